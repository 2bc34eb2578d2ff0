import * as otel from '@opentelemetry/api';
import type { Clock, MetricLabels } from '@victor-ai/core';
import { MetricNames } from '@victor-ai/core';
import { afterEach, describe, expect, it } from 'vitest';
import { createPerformanceMonitor } from './performance-monitor.js';
import { loadOpenTelemetryApi } from './request-timer.js';

function manualClock(): Clock & { advance(ms: number): void } {
  let now = 5_000;
  return {
    now: () => now,
    epochMs: () => now,
    advance(ms) {
      now += ms;
    },
  };
}

function histogramOf(monitor: ReturnType<typeof createPerformanceMonitor>, name: string) {
  return monitor.summary().histograms[name]?.[0];
}

/** A monitor on a manual clock with one request started (labelled when labels are given). */
function startTimedRequest(labels?: MetricLabels) {
  const clock = manualClock();
  const monitor = createPerformanceMonitor({ clock });
  return { clock, monitor, timer: monitor.startRequest(labels) };
}

describe('RequestTimer', () => {
  describe('overhead', () => {
    it('should record total, provider time, overhead = total - provider, and time to first token', () => {
      const labels = { provider: 'openai', model: 'gpt' };
      const { clock, monitor, timer } = startTimedRequest(labels);
      clock.advance(2); // runtime: 2 ms
      timer.providerStart();
      clock.advance(30); // provider: 30 ms
      timer.firstToken();
      clock.advance(70); // provider: 70 ms more
      timer.providerEnd();
      clock.advance(3); // runtime: 3 ms
      timer.end();
      expect(timer.totalSeconds).toBeCloseTo(0.105, 12);
      expect(timer.providerSeconds).toBeCloseTo(0.1, 12);
      expect(timer.overheadSeconds).toBeCloseTo(0.005, 12);
      expect(timer.timeToFirstTokenSeconds).toBeCloseTo(0.032, 12);
      expect(histogramOf(monitor, MetricNames.chatDuration)).toMatchObject({ labels, count: 1 });
      expect(histogramOf(monitor, MetricNames.chatDuration)?.sum).toBeCloseTo(0.105, 12);
      expect(histogramOf(monitor, MetricNames.providerDuration)?.sum).toBeCloseTo(0.1, 12);
      expect(histogramOf(monitor, MetricNames.runtimeOverhead)?.sum).toBeCloseTo(0.005, 12);
      expect(histogramOf(monitor, MetricNames.chatTimeToFirstToken)?.sum).toBeCloseTo(0.032, 12);
      expect(monitor.summary().counters[MetricNames.chatRequests]).toEqual([
        { labels: { outcome: 'ok' }, value: 1 },
      ]);
    });

    it('should count overlapping provider calls once and sum sequential ones', () => {
      const { clock, timer } = startTimedRequest();
      timer.providerStart();
      clock.advance(10);
      timer.providerStart(); // a parallel call
      clock.advance(10);
      timer.providerEnd();
      clock.advance(10);
      timer.providerEnd();
      clock.advance(5);
      timer.providerStart(); // a second model step
      clock.advance(20);
      timer.providerEnd();
      timer.providerEnd(); // unmatched: ignored
      clock.advance(5);
      timer.end();
      expect(timer.providerSeconds).toBeCloseTo(0.05, 12);
      expect(timer.overheadSeconds).toBeCloseTo(0.01, 12);
    });

    it('should close an open provider interval at end, and ignore everything after end', () => {
      const { clock, monitor, timer } = startTimedRequest();
      timer.providerStart();
      clock.advance(40);
      timer.end('error');
      clock.advance(40);
      timer.providerStart();
      timer.firstToken();
      timer.end();
      expect(timer.providerSeconds).toBeCloseTo(0.04, 12);
      expect(timer.overheadSeconds).toBe(0);
      expect(timer.timeToFirstTokenSeconds).toBeNaN();
      expect(histogramOf(monitor, MetricNames.chatDuration)?.count).toBe(1);
      expect(histogramOf(monitor, MetricNames.chatTimeToFirstToken)).toBeUndefined();
      expect(monitor.summary().counters[MetricNames.chatRequests]).toEqual([
        { labels: { outcome: 'error' }, value: 1 },
      ]);
    });

    it('should keep the first token time only', () => {
      const { clock, timer } = startTimedRequest();
      clock.advance(7);
      timer.firstToken();
      clock.advance(7);
      timer.firstToken();
      expect(timer.timeToFirstTokenSeconds).toBeCloseTo(0.007, 12);
    });

    it('should track requests in flight', () => {
      const monitor = createPerformanceMonitor({ clock: manualClock() });
      const inFlight = () => monitor.summary().gauges[MetricNames.chatRequestsInFlight]?.[0]?.value;
      const first = monitor.startRequest();
      const second = monitor.startRequest();
      expect(inFlight()).toBe(2);
      first.end();
      first.end();
      expect(inFlight()).toBe(1);
      second.end();
      expect(inFlight()).toBe(0);
    });

    it('should record stage durations once per stage', () => {
      const { clock, monitor, timer } = startTimedRequest();
      const endSelection = timer.startStage('tool_selection');
      clock.advance(4);
      endSelection();
      endSelection();
      timer.end();
      expect(timer.startStage('late')).toBeTypeOf('function');
      const stages = monitor.summary().histograms[MetricNames.chatStageDuration];
      expect(stages).toHaveLength(1);
      expect(stages?.[0]).toMatchObject({ labels: { stage: 'tool_selection' }, count: 1 });
      expect(stages?.[0]?.sum).toBeCloseTo(0.004, 12);
    });
  });

  describe('OpenTelemetry', () => {
    afterEach(() => {
      otel.trace.disable();
      otel.context.disable();
    });

    it('should be a silent no-op with the API and no SDK registered', () => {
      const monitor = createPerformanceMonitor({ clock: manualClock(), tracing: { api: otel } });
      const timer = monitor.startRequest({ provider: 'p' });
      timer.providerStart();
      timer.providerEnd();
      timer.startStage('prompt')();
      timer.end('error');
      expect(histogramOf(monitor, MetricNames.chatDuration)?.count).toBe(1);
    });

    it('should open a victor.chat span with child spans for provider calls and stages', () => {
      const spans: {
        name: string;
        attributes: Record<string, unknown>;
        parent: unknown;
        ended: boolean;
        status?: unknown;
      }[] = [];
      const tracer = {
        startSpan(name: string, options?: { attributes?: Record<string, unknown> }, context?: otel.Context) {
          const record = {
            name,
            attributes: { ...(options?.attributes ?? {}) },
            parent: context === undefined ? undefined : otel.trace.getSpan(context),
            ended: false,
            status: undefined as unknown,
          };
          spans.push(record);
          const span = {
            setAttribute(key: string, value: unknown) {
              record.attributes[key] = value;
              return span;
            },
            setStatus(status: unknown) {
              record.status = status;
              return span;
            },
            end() {
              record.ended = true;
            },
            spanContext: () => otel.INVALID_SPAN_CONTEXT,
            isRecording: () => true,
          };
          (record as { span?: unknown }).span = span;
          return span as unknown as otel.Span;
        },
      };
      otel.trace.setGlobalTracerProvider({ getTracer: () => tracer as unknown as otel.Tracer });
      const clock = manualClock();
      const monitor = createPerformanceMonitor({ clock, tracing: { api: otel } });
      const timer = monitor.startRequest({ provider: 'openai' });
      timer.startStage('context')();
      timer.providerStart();
      clock.advance(10);
      timer.providerEnd();
      timer.end('error');
      expect(spans.map((span) => span.name)).toEqual(['victor.chat', 'victor.context', 'victor.provider']);
      const [chat, stage, provider] = spans;
      expect(chat?.attributes).toMatchObject({
        'victor.provider': 'openai',
        'victor.outcome': 'error',
        'victor.provider_seconds': 0.01,
      });
      expect(chat?.status).toEqual({ code: otel.SpanStatusCode.ERROR, message: 'error' });
      expect(stage?.parent).toBe((chat as { span?: unknown }).span);
      expect(provider?.parent).toBe((chat as { span?: unknown }).span);
      expect(spans.every((span) => span.ended)).toBe(true);
    });
  });
});

describe('loadOpenTelemetryApi', () => {
  it('should load the installed @opentelemetry/api module', async () => {
    const api = await loadOpenTelemetryApi();
    expect(typeof api?.trace.getTracer).toBe('function');
  });
});
