import { execFileSync } from 'node:child_process';
import type { Clock, MetricsSink } from '@victor-ai/core';
import { InvalidConfigError, MetricNames } from '@victor-ai/core';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { parseExposition } from './__fixtures__/parse-exposition.js';
import { createPerformanceMonitor, DEFAULT_BUCKETS } from './performance-monitor.js';

function promtoolPath(): string | undefined {
  try {
    return execFileSync('sh', ['-c', 'command -v promtool'], { encoding: 'utf8' }).trim() || undefined;
  } catch {
    return undefined;
  }
}

function manualClock(start = 1000): Clock & { advance(ms: number): void } {
  let now = start;
  return {
    now: () => now,
    epochMs: () => 1_700_000_000_000 + now,
    advance(ms) {
      now += ms;
    },
  };
}

function dropped(monitor: ReturnType<typeof createPerformanceMonitor>, reason: string): number {
  return (
    monitor.summary().counters[MetricNames.metricsDropped]?.find((series) => series.labels.reason === reason)
      ?.value ?? -1
  );
}

/** A monitor holding one of everything, with awkward label values. */
function populated(options: Parameters<typeof createPerformanceMonitor>[0] = {}) {
  const monitor = createPerformanceMonitor({ clock: manualClock(), ...options });
  const tools = Object.freeze({ cache: 'tools' });
  monitor.increment(MetricNames.cacheHits, tools, 3);
  monitor.increment(MetricNames.cacheMisses, tools);
  monitor.increment(MetricNames.cacheStaleHits, { cache: 'responses' });
  monitor.gauge(MetricNames.providerRequestsInFlight, 4, { endpoint: 'https://api.example/v1' });
  monitor.increment(MetricNames.middlewareBlocks, {
    middleware: 'safety',
    reason: 'line\nbreak "quoted" back\\slash',
  });
  for (let index = 1; index <= 100; index++) {
    monitor.observe(MetricNames.toolDuration, index / 1000, { tool: 'search', outcome: 'ok' });
  }
  monitor.observe(MetricNames.toolSelectionDuration, 0.0004);
  monitor.observe('custom_payload_bytes', 512);
  monitor.increment('custom_events_total', { kind: 'a' });
  monitor.gauge('custom_temperature_celsius', -3.5);
  return monitor;
}

describe('createPerformanceMonitor', () => {
  describe('MetricsSink', () => {
    it('should be usable wherever core expects a MetricsSink', () => {
      const monitor = createPerformanceMonitor();
      const sink: MetricsSink = monitor;
      sink.increment('a_total');
      sink.gauge('b', 1);
      sink.observe('c_seconds', 0.1);
      const summary = monitor.summary();
      expect(summary.counters.a_total?.[0]?.value).toBe(1);
      expect(summary.gauges.b?.[0]?.value).toBe(1);
      expect(summary.histograms.c_seconds?.[0]?.count).toBe(1);
    });

    it('should add to counters (1 by default), set gauges and observe histograms', () => {
      const monitor = createPerformanceMonitor();
      monitor.increment('jobs_total');
      monitor.increment('jobs_total', undefined, 2.5);
      monitor.gauge('queue_depth', 7);
      monitor.gauge('queue_depth', 3);
      monitor.observe('job_seconds', 0.25);
      monitor.observe('job_seconds', 0.75);
      const summary = monitor.summary();
      expect(summary.counters.jobs_total).toEqual([{ labels: {}, value: 3.5 }]);
      expect(summary.gauges.queue_depth).toEqual([{ labels: {}, value: 3 }]);
      expect(summary.histograms.job_seconds?.[0]).toMatchObject({ count: 2, sum: 1, min: 0.25, max: 0.75 });
    });
  });

  describe('labels', () => {
    it('should put the same labels in any key order, in any object, into one series', () => {
      const monitor = createPerformanceMonitor();
      monitor.increment('hits_total', { a: '1', b: '2' });
      monitor.increment('hits_total', { b: '2', a: '1' });
      const reused = Object.freeze({ a: '1', b: '2' });
      monitor.increment('hits_total', reused);
      monitor.increment('hits_total', reused);
      monitor.increment('hits_total', { a: '1', b: '3' });
      expect(monitor.summary().counters.hits_total).toEqual([
        { labels: { a: '1', b: '2' }, value: 4 },
        { labels: { a: '1', b: '3' }, value: 1 },
      ]);
    });

    it('should follow a label object that is mutated after use into its new series', () => {
      const monitor = createPerformanceMonitor();
      const labels: Record<string, string> = { route: '/a' };
      monitor.increment('requests_total', labels);
      labels.route = '/b';
      monitor.increment('requests_total', labels);
      labels.status = '200';
      monitor.increment('requests_total', labels);
      monitor.observe('request_seconds', 0.5, labels);
      delete labels.status;
      labels.route = '/a';
      monitor.increment('requests_total', labels, 2);
      expect(monitor.summary().counters.requests_total).toEqual([
        { labels: { route: '/a' }, value: 3 },
        { labels: { route: '/b' }, value: 1 },
        { labels: { route: '/b', status: '200' }, value: 1 },
      ]);
      expect(monitor.summary().histograms.request_seconds?.[0]?.labels).toEqual({
        route: '/b',
        status: '200',
      });
    });

    it('should treat an empty label object as no labels', () => {
      const monitor = createPerformanceMonitor();
      monitor.increment('hits_total');
      monitor.increment('hits_total', {});
      expect(monitor.summary().counters.hits_total).toEqual([{ labels: {}, value: 2 }]);
    });

    it('should keep series apart for any two different label sets (property)', () => {
      fc.assert(
        fc.property(
          fc.array(
            fc.dictionary(fc.constantFrom('a', 'b', 'c'), fc.constantFrom('x', 'y', '"', '\\', '\n')),
            {
              maxLength: 30,
            },
          ),
          (labelSets) => {
            const monitor = createPerformanceMonitor();
            const expected = new Map<string, number>();
            for (const labels of labelSets) {
              monitor.increment('events_total', labels);
              const key = JSON.stringify(Object.entries(labels).sort());
              expected.set(key, (expected.get(key) ?? 0) + 1);
            }
            const series = monitor.summary().counters.events_total ?? [];
            expect(series.length).toBe(expected.size);
            for (const { labels, value } of series) {
              expect(value).toBe(expected.get(JSON.stringify(Object.entries(labels).sort())));
            }
            const exposition = parseExposition(monitor.toPrometheus());
            expect(exposition.get('events_total')?.samples.length ?? 0).toBe(expected.size);
          },
        ),
      );
    });

    it('should copy label values at first sight and stringify non-strings', () => {
      const monitor = createPerformanceMonitor();
      monitor.increment('codes_total', { status: 503 as unknown as string });
      expect(monitor.summary().counters.codes_total?.[0]?.labels).toEqual({ status: '503' });
    });

    it('should drop and count invalid label names, le on histograms, and non-object labels', () => {
      const monitor = createPerformanceMonitor();
      monitor.increment('a_total', { 'bad-name': 'x' });
      monitor.observe('b_seconds', 1, { le: '1' });
      monitor.observe('b_seconds', 1, 'tool' as unknown as Record<string, string>);
      expect(dropped(monitor, 'invalid_labels')).toBe(3);
      expect(monitor.summary().counters.a_total).toBeUndefined();
    });

    it('should stop creating series past maxSeriesPerMetric and count the drops', () => {
      const monitor = createPerformanceMonitor({ maxSeriesPerMetric: 2 });
      for (const id of ['1', '2', '3', '4']) monitor.increment('per_user_total', { id });
      monitor.increment('per_user_total', { id: '1' });
      expect(monitor.summary().counters.per_user_total?.map((series) => series.value)).toEqual([2, 1]);
      expect(dropped(monitor, 'too_many_series')).toBe(2);
    });
  });

  describe('bad reports', () => {
    it('should stop creating metric names on the fly past maxMetrics, declared ones excepted', () => {
      const monitor = createPerformanceMonitor({
        maxMetrics: 2,
        metrics: [{ name: 'declared_total', type: 'counter' }],
      });
      for (const name of ['a_total', 'b_total', 'c_total', 'declared_total', MetricNames.cacheHits]) {
        monitor.increment(name);
      }
      monitor.increment('a_total');
      const counters = monitor.summary().counters;
      expect(Object.keys(counters).filter((name) => name !== MetricNames.metricsDropped)).toEqual([
        MetricNames.cacheHits,
        'declared_total',
        'a_total',
        'b_total',
      ]);
      expect(counters.a_total?.[0]?.value).toBe(2);
      expect(dropped(monitor, 'too_many_metrics')).toBe(1);
    });

    it('should drop and count reports that would corrupt a metric, never throw', () => {
      const monitor = createPerformanceMonitor();
      monitor.increment('a_total', undefined, -1);
      monitor.increment('a_total', undefined, Number.NaN);
      monitor.gauge('g', Number.POSITIVE_INFINITY);
      monitor.observe('h_seconds', -0.1);
      monitor.observe('h_seconds', Number.NaN);
      expect(dropped(monitor, 'invalid_value')).toBe(5);
      monitor.observe('a_total', 1);
      monitor.increment(MetricNames.chatDuration);
      expect(dropped(monitor, 'type_conflict')).toBe(2);
      monitor.increment('bad name');
      monitor.observe('', 1);
      expect(dropped(monitor, 'invalid_name')).toBe(2);
      expect(monitor.summary().counters.a_total).toEqual([{ labels: {}, value: 0 }]);
    });
  });

  describe('options', () => {
    it.each([
      [{ histogramBuckets: [2, 1] }, /histogramBuckets must be an array of ascending finite numbers/],
      [{ significantBits: 0 }, /significantBits must be an integer from 1 to 10, got 0/],
      [{ maxSeriesPerMetric: 0 }, /maxSeriesPerMetric must be a positive integer, got 0/],
      [{ maxMetrics: -1 }, /maxMetrics must be an integer >= 0, got -1/],
      [{ prometheusHistogramType: 'gauge' }, /prometheusHistogramType must be "histogram" or "summary"/],
      [{ clock: {} }, /clock must be a Clock with now\(\)/],
      [{ tracing: { api: {} } }, /tracing.api must be the @opentelemetry\/api module/],
      [{ metrics: [{ name: 'x-y', type: 'counter' }] }, /metric name must be a Prometheus metric name/],
      [{ metrics: [{ name: 'x', type: 'meter' }] }, /type of x must be "counter", "gauge" or "histogram"/],
    ])('should reject %j with InvalidConfigError', (options, message) => {
      expect(() => createPerformanceMonitor(options as never)).toThrow(InvalidConfigError);
      expect(() => createPerformanceMonitor(options as never)).toThrow(message);
    });
  });

  describe('describe', () => {
    it('should set HELP and buckets of a metric before its first observation', () => {
      const monitor = createPerformanceMonitor({
        metrics: [
          { name: 'upload_bytes', type: 'histogram', help: 'Upload sizes.', buckets: [1024, 1048576] },
        ],
      });
      monitor.observe('upload_bytes', 2048);
      const text = monitor.toPrometheus();
      expect(text).toContain('# HELP upload_bytes Upload sizes.\n# TYPE upload_bytes histogram\n');
      expect(text).toContain('upload_bytes_bucket{le="1024"} 0\nupload_bytes_bucket{le="1048576"} 1\n');
    });

    it('should refuse to change a declared type, or buckets after observations', () => {
      const monitor = createPerformanceMonitor();
      expect(() => monitor.describe({ name: MetricNames.cacheHits, type: 'gauge' })).toThrow(
        /type of victor_cache_hits_total must be "counter" as declared, got "gauge"/,
      );
      monitor.observe('x_seconds', 1);
      expect(() => monitor.describe({ name: 'x_seconds', type: 'histogram', buckets: [1] })).toThrow(
        /buckets of x_seconds must be declared before the first observation/,
      );
      monitor.describe({ name: 'x_seconds', type: 'histogram', help: 'X.' });
      expect(monitor.toPrometheus()).toContain('# HELP x_seconds X.\n');
    });
  });

  describe('bound handles', () => {
    it('should write to the same series as the sink methods', () => {
      const monitor = createPerformanceMonitor();
      const labels = { cache: 'tools' };
      const hits = monitor.counter(MetricNames.cacheHits, labels);
      hits.increment();
      monitor.increment(MetricNames.cacheHits, { cache: 'tools' });
      expect(hits.value).toBe(2);
      const queued = monitor.gaugeHandle(MetricNames.providerRequestsQueued, { endpoint: 'a' });
      queued.add(2);
      queued.add(-1);
      expect(monitor.summary().gauges[MetricNames.providerRequestsQueued]?.[0]?.value).toBe(1);
      queued.set(5);
      expect(queued.value).toBe(5);
      const durations = monitor.histogram('op_seconds');
      durations.observe(0.5);
      monitor.observe('op_seconds', 1.5);
      expect(durations.count).toBe(2);
      expect(durations.sum).toBe(2);
      expect(durations.quantile(1)).toBe(1.5);
    });

    it('should throw InvalidConfigError when binding goes wrong, since it happens at set-up', () => {
      const monitor = createPerformanceMonitor();
      expect(() => monitor.counter(MetricNames.chatDuration)).toThrow(InvalidConfigError);
      expect(() => monitor.histogram('bad name')).toThrow(/metric name must be a Prometheus metric name/);
      expect(() => monitor.counter('ok_total', { 'bad-label': 'x' })).toThrow(/labels of ok_total/);
    });
  });

  describe('summary', () => {
    it('should report percentiles of histograms and hit rates of caches', () => {
      const summary = populated().summary();
      const tool = summary.histograms[MetricNames.toolDuration]?.[0];
      expect(tool?.labels).toEqual({ outcome: 'ok', tool: 'search' });
      expect(tool?.count).toBe(100);
      expect(tool?.p50).toBeCloseTo(0.05, 3);
      expect(tool?.p95).toBeCloseTo(0.095, 3);
      expect(tool?.p99).toBeCloseTo(0.099, 3);
      expect(tool?.max).toBe(0.1);
      expect(summary.cacheHitRates).toEqual([
        { cache: 'responses', hits: 0, misses: 0, staleHits: 1, lookups: 1, hitRate: 0, staleHitRate: 1 },
        { cache: 'tools', hits: 3, misses: 1, staleHits: 0, lookups: 4, hitRate: 0.75, staleHitRate: 0 },
      ]);
      expect(summary.timestamp).toMatch(/^\d{4}-\d\d-\d\dT/);
    });

    it('should survive JSON with nulls for empty statistics', () => {
      const monitor = createPerformanceMonitor();
      monitor.histogram('idle_seconds');
      const text = JSON.stringify(monitor.summary());
      expect(JSON.parse(text).histograms.idle_seconds[0]).toEqual({
        labels: {},
        count: 0,
        sum: 0,
        mean: null,
        min: null,
        max: null,
        p50: null,
        p95: null,
        p99: null,
      });
    });

    it('should run collectors before a snapshot, and survive one that throws', () => {
      const monitor = createPerformanceMonitor();
      let calls = 0;
      const remove = monitor.addCollector(() => {
        calls++;
        monitor.gauge('collected', calls);
      });
      monitor.addCollector(() => {
        throw new Error('broken collector');
      });
      expect(monitor.summary().gauges.collected?.[0]?.value).toBe(1);
      expect(monitor.toPrometheus()).toContain('collected 2\n');
      remove();
      monitor.summary();
      expect(calls).toBe(2);
    });
  });

  describe('toPrometheus', () => {
    it('should write a histogram per series with cumulative le buckets, _sum and _count', () => {
      const text = populated().toPrometheus();
      const families = parseExposition(text);
      const tool = families.get(MetricNames.toolDuration)!;
      expect(tool.type).toBe('histogram');
      const buckets = tool.samples.filter((sample) => sample.name.endsWith('_bucket'));
      expect(buckets.length).toBe(DEFAULT_BUCKETS.length + 1);
      const at = (le: string) => buckets.find((sample) => sample.labels.le === le)?.value;
      expect(at('0.01')).toBe(10);
      expect(at('0.05')).toBe(50);
      expect(at('0.1')).toBe(100);
      expect(at('+Inf')).toBe(100);
      expect(buckets[0]?.labels).toEqual({ outcome: 'ok', tool: 'search', le: '0.00001' });
      expect(tool.samples.find((sample) => sample.name.endsWith('_count'))?.value).toBe(100);
      expect(tool.samples.find((sample) => sample.name.endsWith('_sum'))?.value).toBeCloseTo(5.05, 10);
    });

    it('should escape label values and write HELP and TYPE once per family', () => {
      const text = populated().toPrometheus();
      expect(text).toContain(
        'victor_middleware_blocks_total{middleware="safety",reason="line\\nbreak \\"quoted\\" back\\\\slash"} 1\n',
      );
      const families = parseExposition(text);
      expect(families.get(MetricNames.middlewareBlocks)?.samples[0]?.labels.reason).toBe(
        'line\nbreak "quoted" back\\slash',
      );
      expect(families.get(MetricNames.cacheHits)).toMatchObject({
        help: 'Cache lookups that found a fresh entry.',
        type: 'counter',
      });
      expect(families.get('custom_temperature_celsius')?.samples[0]?.value).toBe(-3.5);
    });

    it('should leave out metrics that have no series yet, but show in-flight and drop counters from the start', () => {
      const families = parseExposition(createPerformanceMonitor().toPrometheus());
      expect([...families.keys()]).toEqual([MetricNames.chatRequestsInFlight, MetricNames.metricsDropped]);
      expect(families.get(MetricNames.metricsDropped)?.samples.map((sample) => sample.value)).toEqual([
        0, 0, 0, 0, 0, 0,
      ]);
    });

    it('should write quantiles, _sum and _count when histograms are exposed as summaries', () => {
      const text = populated({ prometheusHistogramType: 'summary' }).toPrometheus();
      const tool = parseExposition(text).get(MetricNames.toolDuration)!;
      expect(tool.type).toBe('summary');
      const quantiles = tool.samples.filter((sample) => sample.labels.quantile !== undefined);
      expect(quantiles.map((sample) => sample.labels.quantile)).toEqual(['0.5', '0.95', '0.99']);
      expect(quantiles[0]?.value).toBeCloseTo(0.05, 3);
    });

    it.skipIf(promtoolPath() === undefined)('should pass promtool check metrics', () => {
      for (const prometheusHistogramType of ['histogram', 'summary'] as const) {
        const monitor = populated({ prometheusHistogramType });
        monitor.startRequest({ provider: 'openai', model: 'gpt' }).end();
        const text = monitor.toPrometheus();
        const output = execFileSync(promtoolPath()!, ['check', 'metrics'], { input: text, encoding: 'utf8' });
        expect(output).toBe('');
      }
    });

    it.skipIf(promtoolPath() === undefined)(
      'should be rejected by promtool when a counter lacks _total',
      () => {
        // Shows that the promtool test above can fail: the linter flags user counters not named *_total.
        const monitor = createPerformanceMonitor();
        monitor.increment('requests');
        expect(() =>
          execFileSync(promtoolPath()!, ['check', 'metrics'], {
            input: monitor.toPrometheus(),
            stdio: 'pipe',
          }),
        ).toThrow(/_total/);
      },
    );
  });

  describe('reset', () => {
    it('should zero every series and keep declarations and label bindings', () => {
      const monitor = populated();
      const hits = monitor.counter(MetricNames.cacheHits, { cache: 'tools' });
      monitor.reset();
      expect(hits.value).toBe(0);
      hits.increment();
      const summary = monitor.summary();
      expect(summary.counters[MetricNames.cacheHits]?.[0]?.value).toBe(1);
      expect(summary.histograms[MetricNames.toolDuration]?.[0]?.count).toBe(0);
    });
  });
});
