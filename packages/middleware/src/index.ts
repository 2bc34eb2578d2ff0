export type { ApprovalAnswer, ApprovalMiddlewareOptions } from './approval-middleware.js';
export { createApprovalMiddleware } from './approval-middleware.js';
export type { AuditEntry, AuditMiddlewareOptions } from './audit-middleware.js';
export { createAuditMiddleware } from './audit-middleware.js';
export type {
  BeforeOutcome,
  MaybePromise,
  MiddlewareErrorInfo,
  ToolMiddlewareChain,
  ToolMiddlewareChainOptions,
  ToolMiddlewarePlan,
} from './chain.js';
export { createToolMiddlewareChain, middlewareApplies } from './chain.js';
export { MiddlewareResultCode } from './codes.js';
export type {
  MemoryRateLimitStoreOptions,
  RateLimitMiddlewareOptions,
  RateLimitStore,
  RateLimitVerdict,
  TokenBucketLimit,
} from './rate-limit-middleware.js';
export { createMemoryRateLimitStore, createRateLimitMiddleware } from './rate-limit-middleware.js';
export type { RedactionMiddlewareOptions } from './redaction-middleware.js';
export { createRedactionMiddleware } from './redaction-middleware.js';
export type { CommandAnalysisOptions, CommandFinding } from './safety/command-rules.js';
export { analyzeCommand } from './safety/command-rules.js';
export type { CommandRuleId } from './safety/rule-ids.js';
export { COMMAND_RULE_IDS, COMMAND_RULES } from './safety/rule-ids.js';
export type { ShellCommand, ShellRedirect, ShellWord } from './safety/shell-parser.js';
export { parseShell } from './safety/shell-parser.js';
export type { WorkspacePathCheckOptions } from './safety/workspace-paths.js';
export { createWorkspacePathCheck } from './safety/workspace-paths.js';
export type { SafetyMiddlewareOptions } from './safety-middleware.js';
export { createSafetyMiddleware } from './safety-middleware.js';
export type { SecretFinding, SecretPattern, SecretScanOptions } from './secrets.js';
export { defaultSecretPatterns, findSecret, redactSecrets, redactString } from './secrets.js';
export type { ValidationMiddlewareOptions } from './validation-middleware.js';
export { createValidationMiddleware } from './validation-middleware.js';
export type {
  Workspace,
  WorkspaceEntry,
  WorkspaceOptions,
  WorkspaceReadOptions,
  WorkspaceStats,
  WorkspaceWriteOptions,
} from './workspace.js';
export { createWorkspace, WorkspaceAccessError, WorkspaceErrorCode } from './workspace.js';
export { wrapProvider } from './wrap-provider.js';
