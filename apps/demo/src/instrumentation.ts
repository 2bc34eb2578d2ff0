import type { ChatRequest, ModelMiddleware, StreamEvent, ToolMiddleware } from '@victor-ai/core';
import { createPerformanceMonitor, type PerformanceMonitor } from '@victor-ai/metrics';

/** Metric names the demo reports besides the standard ones. */
export const DemoMetrics = {
  /** One model call (one step of a turn): request sent to the last event. */
  modelCallDuration: 'victor_model_call_duration_seconds',
  /** Highest resident set size seen during the session. */
  peakResidentMemory: 'victor_peak_resident_memory_bytes',
  /** Highest V8 heap use seen during the session. */
  peakHeapUsed: 'victor_peak_heap_used_bytes',
} as const;

/** A performance monitor with the demo's own metrics declared (HELP text in the exposition). */
export function createDemoMonitor(): PerformanceMonitor {
  return createPerformanceMonitor({
    metrics: [
      {
        name: DemoMetrics.modelCallDuration,
        type: 'histogram',
        help: 'Duration of one model call (one step of a turn), request to last event.',
      },
      { name: DemoMetrics.peakResidentMemory, type: 'gauge', help: 'Highest resident set size seen.' },
      { name: DemoMetrics.peakHeapUsed, type: 'gauge', help: 'Highest V8 heap used seen.' },
    ],
  });
}

/** A model middleware that times every model call (streamed or not) into `victor_model_call_duration_seconds`. */
export function modelCallTiming(monitor: PerformanceMonitor): ModelMiddleware {
  const histogram = monitor.histogram(DemoMetrics.modelCallDuration);
  return {
    name: 'model-call-timing',
    async wrapChat(next, request) {
      const started = performance.now();
      try {
        return await next(request);
      } finally {
        histogram.observe((performance.now() - started) / 1000);
      }
    },
    async *wrapStream(next, request): AsyncIterable<StreamEvent> {
      const started = performance.now();
      try {
        yield* next(request);
      } finally {
        histogram.observe((performance.now() - started) / 1000);
      }
    },
  };
}

/** When one tool call started and ended (performance.now() milliseconds), by tool call id. */
export type CallTimes = Map<string, { start: number; end: number }>;

/**
 * An observer middleware that notes when each tool call entered and left the chain, so the terminal can
 * show which calls of a step really ran at the same time. It runs first and sees blocked calls too.
 */
export function callTimer(times: CallTimes): ToolMiddleware {
  return {
    name: 'call-timer',
    priority: -2,
    kind: 'observer',
    before(call) {
      times.set(call.id, { start: performance.now(), end: Number.NaN });
      return undefined;
    },
    after(call) {
      const entry = times.get(call.id);
      if (entry) entry.end = performance.now();
      return undefined;
    },
  };
}

/** Samples `process.memoryUsage()` while running and keeps the peaks (also as gauges on the monitor). */
export class MemoryPeaks {
  rssBytes = 0;
  heapUsedBytes = 0;
  private timer: NodeJS.Timeout | undefined;

  constructor(private readonly monitor?: PerformanceMonitor) {}

  /** Samples now and every `intervalMs` until `stop()`; the timer does not keep the process alive. */
  start(intervalMs = 25): this {
    this.sample();
    this.timer = setInterval(() => this.sample(), intervalMs);
    this.timer.unref();
    return this;
  }

  /** Takes one sample. */
  sample(): void {
    const usage = process.memoryUsage();
    if (usage.rss > this.rssBytes) this.rssBytes = usage.rss;
    if (usage.heapUsed > this.heapUsedBytes) this.heapUsedBytes = usage.heapUsed;
    this.monitor?.gauge(DemoMetrics.peakResidentMemory, this.rssBytes);
    this.monitor?.gauge(DemoMetrics.peakHeapUsed, this.heapUsedBytes);
  }

  /** Takes a last sample and stops sampling. */
  stop(): void {
    this.sample();
    if (this.timer) clearInterval(this.timer);
    this.timer = undefined;
  }
}

/** A model middleware that hands every request to `onRequest` before it goes to the provider (to show what selection offered). */
export function requestObserver(onRequest: (request: ChatRequest) => void): ModelMiddleware {
  return {
    name: 'request-observer',
    transformRequest(request) {
      onRequest(request);
      return request;
    },
  };
}
