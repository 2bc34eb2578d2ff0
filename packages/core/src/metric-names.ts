/** The kinds of metric a monitor holds. */
export type MetricType = 'counter' | 'gauge' | 'histogram';

/** What a monitor knows about one metric name: its kind, HELP text, and the labels it is reported with. */
export interface MetricDefinition {
  readonly name: string;
  readonly type: MetricType;
  readonly help: string;
  /** The label names every series of this metric carries, as the producing package reports them. */
  readonly labelNames: readonly string[];
}

/**
 * The metric names every Victor package reports through `MetricsSink`, Prometheus style: durations in
 * `_seconds`, counters in `_total`. The one place these names are written: producers import them from here.
 */
export const MetricNames = Object.freeze({
  /** Histogram: a whole chat turn, request in to final response, seconds. Labels: `provider`, `model`. */
  chatDuration: 'victor_chat_duration_seconds',
  /** Histogram: request in to the first streamed token, seconds. Labels: `provider`, `model`. */
  chatTimeToFirstToken: 'victor_chat_time_to_first_token_seconds',
  /** Counter: finished chat turns. Labels: `outcome` (`ok`, `cached`, `error`). */
  chatRequests: 'victor_chat_requests_total',
  /** Gauge: chat turns running now (a monitor's request timers). */
  chatRequestsInFlight: 'victor_chat_requests_in_flight',
  /** Histogram: one stage of a chat turn (`prepare`, `selection`, ...), seconds. Labels: `stage`. */
  chatStageDuration: 'victor_chat_stage_duration_seconds',
  /** Histogram: time spent waiting on the model provider within one chat turn, seconds. Labels: `provider`, `model`. */
  providerDuration: 'victor_provider_duration_seconds',
  /** Histogram: the runtime's own time per chat turn (total minus provider and tool time), seconds. Labels: `provider`, `model`. */
  runtimeOverhead: 'victor_runtime_overhead_seconds',
  /** Histogram: one tool execution, seconds. Labels: `tool`, `outcome` (`ok`, `error`, `timeout`, `blocked`, `aborted`). */
  toolDuration: 'victor_tool_duration_seconds',
  /** Counter: tool executions. Labels: `tool`, `outcome`. */
  toolCalls: 'victor_tool_calls_total',
  /** Counter: calls a middleware blocked. Labels: `middleware`, `reason` (the result code). */
  middlewareBlocks: 'victor_middleware_blocks_total',
  /** Counter: middleware hooks that threw or answered something invalid. Labels: `middleware`. */
  middlewareErrors: 'victor_middleware_errors_total',
  /** Counter: cache lookups that found a fresh entry. Labels: `cache`, `tier`. */
  cacheHits: 'victor_cache_hits_total',
  /** Counter: cache lookups that found nothing. Labels: `cache`, `tier`. */
  cacheMisses: 'victor_cache_misses_total',
  /** Counter: cache lookups answered with a stale entry (stale-while-revalidate). Labels: `cache`, `tier`. */
  cacheStaleHits: 'victor_cache_stale_hits_total',
  /** Counter: entries a cache evicted to make room. Labels: `cache`, `tier`. */
  cacheEvictions: 'victor_cache_evictions_total',
  /** Counter: cache backend failures the cache degraded around. Labels: `cache`, `tier`, `operation`. */
  cacheErrors: 'victor_cache_errors_total',
  /** Gauge: 1 while a cache's backend answers, 0 while it is unavailable. Labels: `cache`, `tier`. */
  cacheAvailable: 'victor_cache_available',
  /** Histogram: picking the tools for one request, seconds. Labels: `cache` (`hit`, `miss`). */
  toolSelectionDuration: 'victor_tool_selection_duration_seconds',
  /** Counter: selection cache lookups. Labels: `cache` (`hit`, `miss`). */
  toolSelectionCache: 'victor_tool_selection_cache_total',
  /** Counter: semantic selections that fell back to lexical ranking because the embedder failed. */
  toolSelectionSemanticFailures: 'victor_tool_selection_semantic_failures_total',
  /** Gauge: tools in the selector's registry. */
  toolSelectionTools: 'victor_tool_selection_tools',
  /** Histogram: building a selection index, seconds. Labels: `index` (`lexical`, `semantic`). */
  toolSelectionIndexBuild: 'victor_tool_selection_index_build_seconds',
  /** Gauge: provider requests in flight. Labels: `endpoint`. Reserved: no package reports it yet. */
  providerRequestsInFlight: 'victor_provider_requests_in_flight',
  /** Gauge: provider requests waiting for a connection. Labels: `endpoint`. Reserved: no package reports it yet. */
  providerRequestsQueued: 'victor_provider_requests_queued',
  /** Counter: provider request retries. Labels: `pool`, `endpoint`. */
  providerRetries: 'victor_provider_retries_total',
  /** Gauge: a circuit breaker's state (0 closed, 1 open, 2 half open). Labels: `endpoint`. */
  circuitState: 'victor_provider_circuit_state',
  /** Counter: circuit breaker transitions. Labels: `endpoint`, `from`, `to`. */
  circuitStateChanges: 'victor_provider_circuit_transitions_total',
  /** Counter: new connections opened to a provider. Labels: `provider`. */
  providerConnectionsOpened: 'victor_provider_connections_opened_total',
  /** Gauge: jobs waiting in an executor's queue. Labels: `executor`. */
  executorQueueLength: 'victor_executor_queue_length',
  /** Histogram: a job's wait in an executor's queue, seconds. Labels: `executor`. */
  executorWait: 'victor_executor_wait_seconds',
  /** Histogram: a job's run time in an executor, seconds. Labels: `executor`. */
  executorRun: 'victor_executor_run_seconds',
  /** Counter: worker threads replaced. Labels: `executor`, `reason` (`crash`, `abort`, `timeout`). */
  executorWorkerRestarts: 'victor_executor_worker_restarts_total',
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

const MODEL = ['provider', 'model'] as const;
const CACHE = ['cache', 'tier'] as const;

/** Kind, HELP text and labels of every standard metric, in {@link MetricNames} order. */
export const standardMetricDefinitions: readonly MetricDefinition[] = Object.freeze([
  define(MetricNames.chatDuration, 'histogram', 'Duration of a chat turn in seconds.', MODEL),
  define(
    MetricNames.chatTimeToFirstToken,
    'histogram',
    'Time from request to first streamed token in seconds.',
    MODEL,
  ),
  define(MetricNames.chatRequests, 'counter', 'Finished chat turns by outcome.', ['outcome']),
  define(MetricNames.chatRequestsInFlight, 'gauge', 'Chat turns in progress.'),
  define(MetricNames.chatStageDuration, 'histogram', 'Duration of one stage of a chat turn in seconds.', [
    'stage',
  ]),
  define(MetricNames.providerDuration, 'histogram', 'Provider time within one chat turn in seconds.', MODEL),
  define(
    MetricNames.runtimeOverhead,
    'histogram',
    'Chat turn time minus provider and tool time in seconds.',
    MODEL,
  ),
  define(MetricNames.toolDuration, 'histogram', 'Duration of one tool execution in seconds.', [
    'tool',
    'outcome',
  ]),
  define(MetricNames.toolCalls, 'counter', 'Tool executions by outcome.', ['tool', 'outcome']),
  define(MetricNames.middlewareBlocks, 'counter', 'Calls blocked by a middleware.', ['middleware', 'reason']),
  define(MetricNames.middlewareErrors, 'counter', 'Middleware hooks that failed.', ['middleware']),
  define(MetricNames.cacheHits, 'counter', 'Cache lookups that found a fresh entry.', CACHE),
  define(MetricNames.cacheMisses, 'counter', 'Cache lookups that found nothing.', CACHE),
  define(MetricNames.cacheStaleHits, 'counter', 'Cache lookups answered with a stale entry.', CACHE),
  define(MetricNames.cacheEvictions, 'counter', 'Cache entries evicted to make room.', CACHE),
  define(MetricNames.cacheErrors, 'counter', 'Cache backend failures degraded around.', [
    ...CACHE,
    'operation',
  ]),
  define(MetricNames.cacheAvailable, 'gauge', 'Whether the cache backend answers (1) or not (0).', CACHE),
  define(MetricNames.toolSelectionDuration, 'histogram', 'Duration of tool selection in seconds.', ['cache']),
  define(MetricNames.toolSelectionCache, 'counter', 'Tool selection cache lookups.', ['cache']),
  define(
    MetricNames.toolSelectionSemanticFailures,
    'counter',
    'Semantic selections that fell back to lexical ranking.',
  ),
  define(MetricNames.toolSelectionTools, 'gauge', 'Tools in the selector registry.'),
  define(
    MetricNames.toolSelectionIndexBuild,
    'histogram',
    'Duration of building a tool selection index in seconds.',
    ['index'],
  ),
  define(MetricNames.providerRequestsInFlight, 'gauge', 'Provider requests in flight.', ['endpoint']),
  define(MetricNames.providerRequestsQueued, 'gauge', 'Provider requests waiting for a connection.', [
    'endpoint',
  ]),
  define(MetricNames.providerRetries, 'counter', 'Provider request retries.', ['pool', 'endpoint']),
  define(MetricNames.circuitState, 'gauge', 'Circuit breaker state (0 closed, 1 open, 2 half open).', [
    'endpoint',
  ]),
  define(MetricNames.circuitStateChanges, 'counter', 'Circuit breaker state transitions.', [
    'endpoint',
    'from',
    'to',
  ]),
  define(MetricNames.providerConnectionsOpened, 'counter', 'New connections opened to a provider.', [
    'provider',
  ]),
  define(MetricNames.executorQueueLength, 'gauge', 'Jobs waiting in an executor queue.', ['executor']),
  define(MetricNames.executorWait, 'histogram', 'Time a job waited in an executor queue in seconds.', [
    'executor',
  ]),
  define(MetricNames.executorRun, 'histogram', 'Run time of an executor job in seconds.', ['executor']),
  define(MetricNames.executorWorkerRestarts, 'counter', 'Worker threads replaced.', ['executor', 'reason']),
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
