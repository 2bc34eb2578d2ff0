export {
  type ApprovalAnswer,
  type ApprovalMiddlewareOptions,
  createApprovalMiddleware,
} from './approval-middleware.js';
export { type AuditEntry, type AuditMiddlewareOptions, createAuditMiddleware } from './audit-middleware.js';
export {
  type BeforeOutcome,
  createToolMiddlewareChain,
  type MaybePromise,
  type MiddlewareErrorInfo,
  middlewareApplies,
  type ToolMiddlewareChain,
  type ToolMiddlewareChainOptions,
  type ToolMiddlewarePlan,
} from './chain.js';
export { MiddlewareResultCode } from './codes.js';
export {
  createMemoryRateLimitStore,
  createRateLimitMiddleware,
  type MemoryRateLimitStoreOptions,
  type RateLimitMiddlewareOptions,
  type RateLimitStore,
  type RateLimitVerdict,
  type TokenBucketLimit,
} from './rate-limit-middleware.js';
export { createRedactionMiddleware, type RedactionMiddlewareOptions } from './redaction-middleware.js';
export { analyzeCommand, type CommandAnalysisOptions, type CommandFinding } from './safety/command-rules.js';
export { COMMAND_RULE_IDS, COMMAND_RULES, type CommandRuleId } from './safety/rule-ids.js';
export { parseShell, type ShellCommand, type ShellRedirect, type ShellWord } from './safety/shell-parser.js';
export { createWorkspacePathCheck, type WorkspacePathCheckOptions } from './safety/workspace-paths.js';
export { createSafetyMiddleware, type SafetyMiddlewareOptions } from './safety-middleware.js';
export {
  defaultSecretPatterns,
  findSecret,
  redactSecrets,
  redactString,
  type SecretFinding,
  type SecretPattern,
  type SecretScanOptions,
} from './secrets.js';
export { createValidationMiddleware, type ValidationMiddlewareOptions } from './validation-middleware.js';
export {
  createWorkspace,
  type Workspace,
  WorkspaceAccessError,
  type WorkspaceEntry,
  WorkspaceErrorCode,
  type WorkspaceOptions,
  type WorkspaceReadOptions,
  type WorkspaceStats,
  type WorkspaceWriteOptions,
} from './workspace.js';
export { wrapProvider } from './wrap-provider.js';
