import type { Clock, MetricLabels, SpanTracer, TraceAttributeValue } from '@victor-ai/core';
import { MetricNames } from '@victor-ai/core';
import { type AnySeries, type GaugeSeries, type HistogramSeries, singleLabel } from './series.js';

/** Attribute values a span accepts. */
export type SpanAttributeValue = TraceAttributeValue;

/** The part of an OpenTelemetry `Span` the monitor uses. */
export interface SpanLike {
  setAttribute(key: string, value: SpanAttributeValue): unknown;
  setStatus(status: { code: number; message?: string }): unknown;
  end(): void;
}

/** The part of an OpenTelemetry `Tracer` the monitor uses. */
export interface TracerLike {
  startSpan(
    name: string,
    options?: { kind?: number; attributes?: Readonly<Record<string, SpanAttributeValue>> },
    context?: unknown,
  ): SpanLike;
}

/**
 * The part of the `@opentelemetry/api` module the monitor uses: pass the module itself
 * (`import * as otel from '@opentelemetry/api'`). With no SDK registered its tracer is a no-op.
 */
export interface OpenTelemetryApiLike {
  trace: {
    getTracer(name: string, version?: string): TracerLike;
    setSpan(context: never, span: never): unknown;
  };
  context: { active(): unknown };
}

/**
 * OpenTelemetry spans: for request timers (a `victor.chat` span per turn, child spans per stage), and the
 * monitor's `tracer`, through which agents open GenAI spans for turns, model calls and tool calls.
 */
export interface TracingOptions {
  /** The `@opentelemetry/api` module. */
  api: OpenTelemetryApiLike;
  /** Tracer name; `@victor-ai/metrics` by default. */
  tracerName?: string;
}

/** What a request timer records into; built once by the monitor. */
export interface RequestTimerTargets {
  clock: Clock;
  resolve(name: string, labels: MetricLabels | undefined): HistogramSeries | undefined;
  inFlight: GaugeSeries;
  outcome(outcome: string): AnySeries | undefined;
  tracing: TracingOptions | undefined;
}

const noop = (): void => {};
const tracerCache = new WeakMap<TracingOptions, TracerLike>();
const SPAN_STATUS_ERROR = 2;

const stageLabels = singleLabel('stage');

/**
 * Times one chat turn. Provider time is kept apart (overlapping provider calls count once), so that
 * `overheadSeconds = totalSeconds - providerSeconds` is the runtime's own time for this request.
 */
export class RequestTimer {
  /** Clock reading (ms) when the request started. */
  readonly startedAt: number;
  /** Whole turn in seconds; `NaN` until `end()`. */
  totalSeconds = Number.NaN;
  /** Provider time in seconds (the union of provider intervals). */
  providerSeconds = 0;
  /** `totalSeconds - providerSeconds`; `NaN` until `end()`. */
  overheadSeconds = Number.NaN;
  /** Request start to first token in seconds; `NaN` until `firstToken()`. */
  timeToFirstTokenSeconds = Number.NaN;
  /** True once `end()` ran. */
  ended = false;

  readonly #targets: RequestTimerTargets;
  readonly #labels: MetricLabels | undefined;
  #providerDepth = 0;
  #providerSince = 0;
  #span: SpanLike | undefined;
  #providerSpan: SpanLike | undefined;

  constructor(targets: RequestTimerTargets, labels: MetricLabels | undefined) {
    this.#targets = targets;
    this.#labels = labels;
    this.startedAt = targets.clock.now();
    targets.inFlight.value++;
    if (targets.tracing !== undefined) {
      const attributes: Record<string, SpanAttributeValue> = {};
      if (labels !== undefined)
        for (const key of Object.keys(labels)) attributes[`victor.${key}`] = String(labels[key]);
      this.#span = tracerOf(targets.tracing).startSpan('victor.chat', { attributes });
    }
  }

  /** Marks the start of a provider call; nested or parallel calls are counted once. */
  providerStart(): void {
    if (this.ended) return;
    if (this.#providerDepth++ === 0) {
      this.#providerSince = this.#targets.clock.now();
      if (this.#span !== undefined) this.#providerSpan = this.#childSpan('victor.provider');
    }
  }

  /** Marks the end of a provider call started with `providerStart()`. */
  providerEnd(): void {
    if (this.ended || this.#providerDepth === 0) return;
    if (--this.#providerDepth === 0) this.#closeProvider(this.#targets.clock.now());
  }

  /** Marks the first streamed token; later calls are ignored. */
  firstToken(): void {
    if (this.ended || !Number.isNaN(this.timeToFirstTokenSeconds)) return;
    this.timeToFirstTokenSeconds = (this.#targets.clock.now() - this.startedAt) / 1000;
  }

  /**
   * Starts a named stage of the turn (context, prompt, tool selection, ...): records
   * `victor_chat_stage_duration_seconds{stage}` and a child span when the returned function is called.
   */
  startStage(stage: string): () => void {
    if (this.ended) return noop;
    const since = this.#targets.clock.now();
    const span = this.#span === undefined ? undefined : this.#childSpan(`victor.${stage}`);
    let done = false;
    return () => {
      if (done) return;
      done = true;
      this.#targets
        .resolve(MetricNames.chatStageDuration, stageLabels(stage))
        ?.observe((this.#targets.clock.now() - since) / 1000);
      span?.end();
    };
  }

  /** Ends the turn and records its metrics (once); `outcome` labels `victor_chat_requests_total`. */
  end(outcome = 'ok'): this {
    if (this.ended) return this;
    this.ended = true;
    const now = this.#targets.clock.now();
    if (this.#providerDepth > 0) {
      this.#providerDepth = 0;
      this.#closeProvider(now);
    }
    this.totalSeconds = (now - this.startedAt) / 1000;
    this.overheadSeconds = Math.max(0, this.totalSeconds - this.providerSeconds);
    const { resolve } = this.#targets;
    const labels = this.#labels;
    resolve(MetricNames.chatDuration, labels)?.observe(this.totalSeconds);
    resolve(MetricNames.providerDuration, labels)?.observe(this.providerSeconds);
    resolve(MetricNames.runtimeOverhead, labels)?.observe(this.overheadSeconds);
    if (!Number.isNaN(this.timeToFirstTokenSeconds)) {
      resolve(MetricNames.chatTimeToFirstToken, labels)?.observe(this.timeToFirstTokenSeconds);
    }
    const counter = this.#targets.outcome(outcome);
    if (counter !== undefined && 'increment' in counter) counter.increment();
    this.#targets.inFlight.value--;
    const span = this.#span;
    if (span !== undefined) {
      span.setAttribute('victor.outcome', outcome);
      span.setAttribute('victor.total_seconds', this.totalSeconds);
      span.setAttribute('victor.provider_seconds', this.providerSeconds);
      span.setAttribute('victor.overhead_seconds', this.overheadSeconds);
      if (!Number.isNaN(this.timeToFirstTokenSeconds)) {
        span.setAttribute('victor.time_to_first_token_seconds', this.timeToFirstTokenSeconds);
      }
      if (outcome !== 'ok') span.setStatus({ code: SPAN_STATUS_ERROR, message: outcome });
      span.end();
    }
    return this;
  }

  #closeProvider(now: number): void {
    this.providerSeconds += (now - this.#providerSince) / 1000;
    this.#providerSpan?.end();
    this.#providerSpan = undefined;
  }

  #childSpan(name: string): SpanLike {
    const tracing = this.#targets.tracing!;
    const parent = (tracing.api.trace.setSpan as (context: unknown, span: SpanLike) => unknown)(
      tracing.api.context.active(),
      this.#span!,
    );
    return tracerOf(tracing).startSpan(name, undefined, parent);
  }
}

function tracerOf(tracing: TracingOptions): TracerLike {
  let tracer = tracerCache.get(tracing);
  if (tracer === undefined) {
    tracer = tracing.api.trace.getTracer(tracing.tracerName ?? '@victor-ai/metrics');
    tracerCache.set(tracing, tracer);
  }
  return tracer;
}

// OpenTelemetry's SpanKind values.
const SPAN_KIND_INTERNAL = 0;
const SPAN_KIND_CLIENT = 2;

/** A core `SpanTracer` over the OpenTelemetry API: spans with a parent are started in its context. */
export function createSpanTracer(tracing: TracingOptions): SpanTracer {
  const { api } = tracing;
  const setSpan = api.trace.setSpan as (context: unknown, span: unknown) => unknown;
  return {
    startSpan(name, options) {
      const tracer = tracerOf(tracing);
      const parent = options?.parent;
      const spanOptions = {
        kind: options?.kind === 'client' ? SPAN_KIND_CLIENT : SPAN_KIND_INTERNAL,
        ...(options?.attributes !== undefined ? { attributes: options.attributes } : {}),
      };
      if (parent === undefined) return tracer.startSpan(name, spanOptions);
      return tracer.startSpan(name, spanOptions, setSpan(api.context.active(), parent));
    },
  };
}

/**
 * Loads `@opentelemetry/api` when it is installed (it is an optional peer dependency); `undefined` otherwise.
 * Pass the result as `tracing: { api }`.
 */
export async function loadOpenTelemetryApi(): Promise<OpenTelemetryApiLike | undefined> {
  try {
    const specifier = '@opentelemetry/api';
    const loaded = (await import(specifier)) as OpenTelemetryApiLike & { default?: OpenTelemetryApiLike };
    return typeof loaded.trace?.getTracer === 'function' ? loaded : loaded.default;
  } catch {
    return undefined;
  }
}
