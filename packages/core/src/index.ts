export type { Cache, CacheSetOptions } from './cache.js';
export { canonicalHash, canonicalJson } from './canonical-json.js';
export type { ChatRequest, ChatResponse, FinishReason, RequestMetadata, ToolChoice, Usage } from './chat.js';
export { type Clock, systemClock } from './clock.js';
export { abortReason, delay, waitOrAbort } from './delay.js';
export {
  AbortedError,
  AgentClosedError,
  BlockedByMiddlewareError,
  CacheUnavailableError,
  CircuitOpenError,
  ConnectionError,
  describeValue,
  HttpStatusError,
  InvalidArgumentsError,
  InvalidConfigError,
  InvalidRequestError,
  InvalidResponseError,
  invalidOption,
  PoolExhaustedError,
  QueueFullError,
  TimeoutError,
  VictorError,
  type VictorErrorCode,
  type VictorErrorOptions,
} from './errors.js';
export type {
  AssistantMessage,
  Message,
  ReasoningPart,
  Role,
  SystemMessage,
  ToolMessage,
  UserMessage,
} from './messages.js';
export {
  type MetricDefinition,
  MetricNames,
  type MetricType,
  type StandardMetricName,
  standardMetricDefinitions,
} from './metric-names.js';
export {
  type MetricLabels,
  type MetricsSink,
  noopMetricsSink,
  type SpanTracer,
  type TraceAttributeValue,
  type TraceSpan,
  type TraceSpanOptions,
} from './metrics.js';
export {
  type MiddlewareContext,
  type MiddlewareDecision,
  MiddlewarePriority,
  type MiddlewareScope,
  type ModelMiddleware,
  type ToolMiddleware,
} from './middleware.js';
export type { Embedder, EmbedRequest, EmbedResponse, Provider } from './provider.js';
export {
  checkToolParameters,
  isStandardJsonSchema,
  isZodSchema,
  parseToolArguments,
  TOOL_NAME_PATTERN,
  toJsonSchema,
  toolDefinitionSchema,
} from './schemas.js';
export { type CombinedSignal, combineSignals } from './signals.js';
export type {
  ErrorEvent,
  FinishEvent,
  ReasoningDeltaEvent,
  ReasoningEndEvent,
  ResponseStartEvent,
  StreamEvent,
  TextDeltaEvent,
  ToolCallDeltaEvent,
  ToolCallEndEvent,
  ToolCallStartEvent,
} from './stream.js';
export {
  type AnyTool,
  defineTool,
  type JsonSchema,
  type StandardJsonSchema,
  type Tool,
  type ToolArguments,
  type ToolCall,
  type ToolContext,
  type ToolDefinition,
  type ToolParameters,
  type ToolResult,
} from './tools.js';
