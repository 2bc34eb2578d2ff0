/** Label values of one series; reuse one object per series on hot paths and never mutate it after first use (sinks cache by identity). */
export type MetricLabels = Readonly<Record<string, string>>;

/** Attribute values a span accepts (OpenTelemetry's primitive and array values). */
export type TraceAttributeValue = string | number | boolean | readonly string[];

/** One span the runtime opens around a unit of work; an OpenTelemetry `Span` fits as it is. */
export interface TraceSpan {
  setAttribute(key: string, value: TraceAttributeValue): unknown;
  /** `code` 2 is an error (OpenTelemetry's `SpanStatusCode.ERROR`). */
  setStatus(status: { code: number; message?: string }): unknown;
  end(): void;
}

/** Options of {@link SpanTracer.startSpan}. */
export interface TraceSpanOptions {
  /** `internal` (default) or `client` (a call to another service, such as a model provider). */
  kind?: 'internal' | 'client';
  attributes?: Readonly<Record<string, TraceAttributeValue>>;
  /** The span this one is a child of; the active context's span when absent. */
  parent?: TraceSpan | undefined;
}

/** Opens spans; a `MetricsSink` that traces exposes one as `tracer` (`@victor-ai/metrics` with `tracing`). */
export interface SpanTracer {
  startSpan(name: string, options?: TraceSpanOptions): TraceSpan;
}

/**
 * Where packages report what they measure. Implemented by `@victor-ai/metrics`; `noopMetricsSink` when
 * nobody listens. Names are Prometheus style (`victor_chat_duration_seconds`, `..._total`): take them from
 * `MetricNames`.
 */
export interface MetricsSink {
  /** Adds `value` (default 1) to a counter. */
  increment(name: string, labels?: MetricLabels, value?: number): void;
  /** Sets a gauge. */
  gauge(name: string, value: number, labels?: MetricLabels): void;
  /** Records one observation into a histogram (seconds for durations). */
  observe(name: string, value: number, labels?: MetricLabels): void;
  /** Present when the sink also traces: packages then open spans for turns, model calls and tool calls. */
  readonly tracer?: SpanTracer | undefined;
}

/** A sink that drops everything; the default. */
export const noopMetricsSink: MetricsSink = Object.freeze({
  increment() {},
  gauge() {},
  observe() {},
});
