export { type Agent, type AgentPart, createAgent } from './agent.js';
export { BatchProcessor, type BatchProcessorOptions } from './batch-processor.js';
export { type ChatCompaction, ChatCoordinator, type ChatParts } from './chat-coordinator.js';
export {
  type CompactionOptions,
  type CompactionResult,
  type CompactionSummary,
  compactContext,
  DEFAULT_SUMMARY_PROMPT,
  MemoryToolResultStore,
  type MemoryToolResultStoreOptions,
  type ModelSummariserOptions,
  modelSummariser,
  RECALL_TOOL_NAME,
  recallTool,
  type Summariser,
  type ToolResultStore,
} from './compaction.js';
export { type AgentConfig, agentConfigSchema, parseAgentConfig } from './config.js';
export { callPaths, conflicts, PATH_ARGUMENTS, type ScheduledCall } from './conflicts.js';
export { ContextCoordinator, type ContextCoordinatorOptions, estimateTokens } from './context-coordinator.js';
export { PromptCoordinator, type PromptCoordinatorOptions } from './prompt-coordinator.js';
export {
  type ProviderChoice,
  ProviderCoordinator,
  type ProviderCoordinatorOptions,
} from './provider-coordinator.js';
export {
  type StickyToolChoice,
  StickyToolSelection,
  type StickyToolSelectionOptions,
} from './sticky-selection.js';
export type { ToolOutcome } from './telemetry.js';
export {
  estimateCounter,
  estimateTextTokens,
  loadTokenCounter,
  type TokenCounter,
  type TokenizerName,
  tokenizerFor,
} from './tokenizer.js';
export {
  ToolCoordinator,
  type ToolCoordinatorOptions,
  type ToolResultCacheLike,
} from './tool-coordinator.js';
export {
  type AgentStreamEvent,
  type TurnCompaction,
  type TurnOptions,
  type TurnResult,
  type TurnTiming,
  toolMessage,
} from './turn.js';
