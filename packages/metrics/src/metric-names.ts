/** The kinds of metric a monitor holds. */
export type MetricType = 'counter' | 'gauge' | 'histogram';

/** What a monitor knows about one metric name: its kind, HELP text, and the labels it is reported with. */
export interface MetricDefinition {
  readonly name: string;
  readonly type: MetricType;
  readonly help: string;
  /** The label names packages report this metric with (documentation; not enforced). */
  readonly labelNames: readonly string[];
}

/**
 * The standard metric names every Victor package reports through `MetricsSink`, Prometheus style: durations
 * in `_seconds`, counters in `_total`. Use these constants rather than string literals.
 */
export const MetricNames = Object.freeze({
  /** Histogram: a whole chat turn, request in to final response, seconds. Labels: `provider`, `model`. */
  chatDuration: 'victor_chat_duration_seconds',
  /** Histogram: request in to the first streamed token, seconds. Labels: `provider`, `model`. */
  chatTimeToFirstToken: 'victor_chat_time_to_first_token_seconds',
  /** Counter: finished chat turns. Labels: `outcome` (`ok`, `error`, `aborted`, ...). */
  chatRequests: 'victor_chat_requests_total',
  /** Gauge: chat turns running now. */
  chatRequestsInFlight: 'victor_chat_requests_in_flight',
  /** Histogram: one stage of a chat turn (context, prompt, tool selection, ...), seconds. Labels: `stage`. */
  chatStageDuration: 'victor_chat_stage_duration_seconds',
  /** Histogram: time spent waiting on the model provider within one chat turn, seconds. */
  providerDuration: 'victor_provider_duration_seconds',
  /** Histogram: the runtime's own time per chat turn (total minus provider time), seconds. */
  runtimeOverhead: 'victor_runtime_overhead_seconds',
  /** Histogram: one tool execution, seconds. Labels: `tool`, `outcome` (`ok`, `error`, `timeout`, `blocked`). */
  toolDuration: 'victor_tool_duration_seconds',
  /** Counter: tool executions. Labels: `tool`, `outcome`. */
  toolCalls: 'victor_tool_calls_total',
  /** Counter: calls a middleware blocked. Labels: `middleware`, `reason`. */
  middlewareBlocks: 'victor_middleware_blocks_total',
  /** Counter: cache lookups that found a fresh entry. Labels: `cache`. */
  cacheHits: 'victor_cache_hits_total',
  /** Counter: cache lookups that found nothing. Labels: `cache`. */
  cacheMisses: 'victor_cache_misses_total',
  /** Counter: cache lookups answered with a stale entry (stale-while-revalidate). Labels: `cache`. */
  cacheStaleHits: 'victor_cache_stale_hits_total',
  /** Counter: cache backend failures the cache degraded around. Labels: `cache`. */
  cacheErrors: 'victor_cache_errors_total',
  /** Histogram: picking the tools for one request, seconds. Labels: `strategy`. */
  toolSelectionDuration: 'victor_tool_selection_duration_seconds',
  /** Gauge: provider requests in flight. Labels: `endpoint`. */
  providerRequestsInFlight: 'victor_provider_requests_in_flight',
  /** Gauge: provider requests waiting for a connection. Labels: `endpoint`. */
  providerRequestsQueued: 'victor_provider_requests_queued',
  /** Counter: provider request retries. Labels: `endpoint`, `reason`. */
  providerRetries: 'victor_provider_retries_total',
  /** Counter: circuit breaker transitions. Labels: `endpoint`, `state` (`open`, `half_open`, `closed`). */
  circuitStateChanges: 'victor_circuit_state_changes_total',
  /** Counter: new connections opened to a provider. Labels: `endpoint`. */
  providerConnectionsOpened: 'victor_provider_connections_opened_total',
  /** Gauge: event-loop delay median since the previous collection, seconds. */
  eventLoopDelayP50: 'victor_event_loop_delay_p50_seconds',
  /** Gauge: event-loop delay 99th percentile since the previous collection, seconds. */
  eventLoopDelayP99: 'victor_event_loop_delay_p99_seconds',
  /** Gauge: event-loop delay maximum since the previous collection, seconds. */
  eventLoopDelayMax: 'victor_event_loop_delay_max_seconds',
  /** Gauge: V8 heap in use, bytes. */
  heapUsed: 'victor_heap_used_bytes',
  /** Gauge: V8 heap reserved, bytes. */
  heapTotal: 'victor_heap_total_bytes',
  /** Gauge: resident set size of the process, bytes. */
  residentMemory: 'victor_resident_memory_bytes',
  /** Counter: reports the monitor dropped. Labels: `reason` (`invalid_value`, `invalid_name`, `invalid_labels`, `type_conflict`, `too_many_series`, `too_many_metrics`). */
  metricsDropped: 'victor_metrics_dropped_total',
});

/** One of the standard metric names. */
export type StandardMetricName = (typeof MetricNames)[keyof typeof MetricNames];

function define(name: string, type: MetricType, help: string, labelNames: readonly string[] = []) {
  return Object.freeze({ name, type, help, labelNames: Object.freeze([...labelNames]) });
}

/** Kind, HELP text and labels of every standard metric, in {@link MetricNames} order. */
export const standardMetricDefinitions: readonly MetricDefinition[] = Object.freeze([
  define(MetricNames.chatDuration, 'histogram', 'Duration of a chat turn in seconds.', ['provider', 'model']),
  define(
    MetricNames.chatTimeToFirstToken,
    'histogram',
    'Time from request to first streamed token in seconds.',
    ['provider', 'model'],
  ),
  define(MetricNames.chatRequests, 'counter', 'Finished chat turns by outcome.', ['outcome']),
  define(MetricNames.chatRequestsInFlight, 'gauge', 'Chat turns in progress.'),
  define(MetricNames.chatStageDuration, 'histogram', 'Duration of one stage of a chat turn in seconds.', [
    'stage',
  ]),
  define(MetricNames.providerDuration, 'histogram', 'Provider time within one chat turn in seconds.', [
    'provider',
    'model',
  ]),
  define(MetricNames.runtimeOverhead, 'histogram', 'Chat turn time minus provider time in seconds.', [
    'provider',
    'model',
  ]),
  define(MetricNames.toolDuration, 'histogram', 'Duration of one tool execution in seconds.', [
    'tool',
    'outcome',
  ]),
  define(MetricNames.toolCalls, 'counter', 'Tool executions by outcome.', ['tool', 'outcome']),
  define(MetricNames.middlewareBlocks, 'counter', 'Calls blocked by a middleware.', ['middleware', 'reason']),
  define(MetricNames.cacheHits, 'counter', 'Cache lookups that found a fresh entry.', ['cache']),
  define(MetricNames.cacheMisses, 'counter', 'Cache lookups that found nothing.', ['cache']),
  define(MetricNames.cacheStaleHits, 'counter', 'Cache lookups answered with a stale entry.', ['cache']),
  define(MetricNames.cacheErrors, 'counter', 'Cache backend failures degraded around.', ['cache']),
  define(MetricNames.toolSelectionDuration, 'histogram', 'Duration of tool selection in seconds.', [
    'strategy',
  ]),
  define(MetricNames.providerRequestsInFlight, 'gauge', 'Provider requests in flight.', ['endpoint']),
  define(MetricNames.providerRequestsQueued, 'gauge', 'Provider requests waiting for a connection.', [
    'endpoint',
  ]),
  define(MetricNames.providerRetries, 'counter', 'Provider request retries.', ['endpoint', 'reason']),
  define(MetricNames.circuitStateChanges, 'counter', 'Circuit breaker state transitions.', [
    'endpoint',
    'state',
  ]),
  define(MetricNames.providerConnectionsOpened, 'counter', 'New connections opened to a provider.', [
    'endpoint',
  ]),
  define(
    MetricNames.eventLoopDelayP50,
    'gauge',
    'Event-loop delay median since the last collection in seconds.',
  ),
  define(
    MetricNames.eventLoopDelayP99,
    'gauge',
    'Event-loop delay p99 since the last collection in seconds.',
  ),
  define(
    MetricNames.eventLoopDelayMax,
    'gauge',
    'Event-loop delay maximum since the last collection in seconds.',
  ),
  define(MetricNames.heapUsed, 'gauge', 'V8 heap in use in bytes.'),
  define(MetricNames.heapTotal, 'gauge', 'V8 heap reserved in bytes.'),
  define(MetricNames.residentMemory, 'gauge', 'Resident set size in bytes.'),
  define(MetricNames.metricsDropped, 'counter', 'Metric reports dropped by the monitor.', ['reason']),
]);
