import type { MetricLabels } from '@victor-ai/core';

/** Metric names the coordinators report; the same names `@victor-ai/metrics` documents. */
export const CoordinatorMetrics = {
  chatDuration: 'victor_chat_duration_seconds',
  chatTimeToFirstToken: 'victor_chat_time_to_first_token_seconds',
  chatRequests: 'victor_chat_requests_total',
  chatStageDuration: 'victor_chat_stage_duration_seconds',
  providerDuration: 'victor_provider_duration_seconds',
  runtimeOverhead: 'victor_runtime_overhead_seconds',
  toolDuration: 'victor_tool_duration_seconds',
  toolCalls: 'victor_tool_calls_total',
  toolSelectionDuration: 'victor_tool_selection_duration_seconds',
  cacheHits: 'victor_cache_hits_total',
  cacheMisses: 'victor_cache_misses_total',
  cacheErrors: 'victor_cache_errors_total',
} as const;

const stageLabels = new Map<string, MetricLabels>();

/** A frozen `{ stage }` label object, one per stage name, so hot paths allocate none. */
export function stageLabel(stage: string): MetricLabels {
  let labels = stageLabels.get(stage);
  if (labels === undefined) {
    labels = Object.freeze({ stage });
    stageLabels.set(stage, labels);
  }
  return labels;
}
