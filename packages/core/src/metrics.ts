/** Label values of one series; reuse one object per series on hot paths and never mutate it after first use (sinks cache by identity). */
export type MetricLabels = Readonly<Record<string, string>>;

/**
 * Where packages report what they measure. Implemented by `@victor-ai/metrics`; `noopMetricsSink` when
 * nobody listens. Names are Prometheus style (`victor_chat_duration_seconds`, `..._total`).
 */
export interface MetricsSink {
  /** Adds `value` (default 1) to a counter. */
  increment(name: string, labels?: MetricLabels, value?: number): void;
  /** Sets a gauge. */
  gauge(name: string, value: number, labels?: MetricLabels): void;
  /** Records one observation into a histogram (seconds for durations). */
  observe(name: string, value: number, labels?: MetricLabels): void;
}

/** A sink that drops everything; the default. */
export const noopMetricsSink: MetricsSink = Object.freeze({
  increment() {},
  gauge() {},
  observe() {},
});
