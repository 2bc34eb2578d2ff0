export type { Agent, AgentPart } from './agent.js';
export { createAgent } from './agent.js';
export type { BatchProcessorOptions } from './batch-processor.js';
export { BatchProcessor } from './batch-processor.js';
export type { ChatCompaction, ChatParts } from './chat-coordinator.js';
export { ChatCoordinator } from './chat-coordinator.js';
export type {
  CompactionOptions,
  CompactionResult,
  CompactionSummary,
  MemoryToolResultStoreOptions,
  ModelSummariserOptions,
  Summariser,
  ToolResultStore,
} from './compaction.js';
export {
  compactContext,
  DEFAULT_SUMMARY_PROMPT,
  MemoryToolResultStore,
  modelSummariser,
  RECALL_TOOL_NAME,
  recallTool,
} from './compaction.js';
export type { AgentConfig } from './config.js';
export { agentConfigSchema, parseAgentConfig } from './config.js';
export type { ScheduledCall } from './conflicts.js';
export { callPaths, conflicts, PATH_ARGUMENTS } from './conflicts.js';
export type { ContextCoordinatorOptions } from './context-coordinator.js';
export { ContextCoordinator, estimateTokens } from './context-coordinator.js';
export type { PromptCoordinatorOptions } from './prompt-coordinator.js';
export { PromptCoordinator } from './prompt-coordinator.js';
export type { ProviderChoice, ProviderCoordinatorOptions } from './provider-coordinator.js';
export { ProviderCoordinator } from './provider-coordinator.js';
export type { StickyToolChoice, StickyToolSelectionOptions } from './sticky-selection.js';
export { StickyToolSelection } from './sticky-selection.js';
export type { ToolOutcome } from './telemetry.js';
export type { TokenCounter, TokenizerName } from './tokenizer.js';
export { estimateCounter, estimateTextTokens, loadTokenCounter, tokenizerFor } from './tokenizer.js';
export type { ToolCoordinatorOptions, ToolResultCacheLike } from './tool-coordinator.js';
export { ToolCoordinator } from './tool-coordinator.js';
export type { AgentStreamEvent, TurnCompaction, TurnOptions, TurnResult, TurnTiming } from './turn.js';
export { toolMessage } from './turn.js';
