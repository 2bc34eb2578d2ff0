export type { Cache, CacheSetOptions } from './cache.js';
export { canonicalHash, canonicalJson } from './canonical-json.js';
export type { ChatRequest, ChatResponse, FinishReason, RequestMetadata, ToolChoice, Usage } from './chat.js';
export type { Clock } from './clock.js';
export { systemClock } from './clock.js';
export { abortReason, delay, waitOrAbort } from './delay.js';
export type { VictorErrorCode, VictorErrorOptions } from './errors.js';
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
export type { MetricDefinition, MetricType, StandardMetricName } from './metric-names.js';
export { MetricNames, standardMetricDefinitions } from './metric-names.js';
export type {
  MetricLabels,
  MetricsSink,
  SpanTracer,
  TraceAttributeValue,
  TraceSpan,
  TraceSpanOptions,
} from './metrics.js';
export { noopMetricsSink } from './metrics.js';
export type {
  MiddlewareContext,
  MiddlewareDecision,
  MiddlewareScope,
  ModelMiddleware,
  ToolMiddleware,
} from './middleware.js';
export { MiddlewarePriority } from './middleware.js';
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
export type { CombinedSignal } from './signals.js';
export { combineSignals } from './signals.js';
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
export type {
  AnyTool,
  JsonSchema,
  StandardJsonSchema,
  Tool,
  ToolArguments,
  ToolCall,
  ToolContext,
  ToolDefinition,
  ToolParameters,
  ToolResult,
} from './tools.js';
export { defineTool } from './tools.js';
