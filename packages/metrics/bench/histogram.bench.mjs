// Histogram recording cost and accuracy: this package's log-linear histogram vs hdr-histogram-js, plus the
// monitor's MetricsSink paths. Run after a build: `pnpm --filter @victor-ai/metrics bench` (add `--json` for
// machine-readable output). Each task records a batch of 1,000 values; ns/record = task p50 / 1,000.
// Deterministic pseudo-random numbers (mulberry32, the benchmarks' shared generator): every run sees the same data.
import { random } from '@victor-ai/agent-trace';
import * as hdr from 'hdr-histogram-js';
import { Bench } from 'tinybench';
import { createPerformanceMonitor, LogLinearHistogram, MetricNames } from '../dist/index.js';

const BATCH = 1000;
const json = process.argv.includes('--json');

/** Latency-like data in seconds: log-normal around 2 ms, with a 1% tail around 400 ms. */
function latencies(count, seed) {
  const next = random(seed);
  const values = new Float64Array(count);
  for (let index = 0; index < count; index++) {
    const gaussian = Math.sqrt(-2 * Math.log(1 - next())) * Math.cos(2 * Math.PI * next());
    const center = next() < 0.01 ? 0.4 : 0.002;
    values[index] = center * Math.exp(0.8 * gaussian);
  }
  return values;
}

/** Uniform data in seconds from 1 µs to 10 s on a log scale. */
function logUniform(count, seed) {
  const next = random(seed);
  const values = new Float64Array(count);
  for (let index = 0; index < count; index++) values[index] = 1e-6 * 10 ** (7 * next());
  return values;
}

const buildHdr = (digits, useWebAssembly = false) =>
  hdr.build({
    lowestDiscernibleValue: 1,
    highestTrackableValue: 3.6e12,
    numberOfSignificantValueDigits: digits,
    useWebAssembly,
    bitBucketSize: 64,
  });

await hdr.initWebAssembly();

// ---- accuracy: quantiles against exact nearest-rank values of the sorted data ----
const QUANTILES = [0.5, 0.95, 0.99, 0.999];
function exactQuantile(sorted, q) {
  return sorted[Math.max(1, Math.ceil(q * sorted.length)) - 1];
}
const estimators = {
  'log-linear (7 bits)': (values) => {
    const histogram = new LogLinearHistogram({ significantBits: 7 });
    for (const value of values) histogram.record(value);
    return (q) => histogram.quantile(q);
  },
  'hdr-histogram-js (2 digits, ns)': (values) => {
    const histogram = buildHdr(2);
    for (const value of values) histogram.recordValue(Math.round(value * 1e9));
    return (q) => histogram.getValueAtPercentile(q * 100) / 1e9;
  },
  'hdr-histogram-js (3 digits, ns)': (values) => {
    const histogram = buildHdr(3);
    for (const value of values) histogram.recordValue(Math.round(value * 1e9));
    return (q) => histogram.getValueAtPercentile(q * 100) / 1e9;
  },
};
const accuracy = [];
for (const [dataset, values] of [
  ['latency (log-normal + tail)', latencies(200_000, 1)],
  ['log-uniform 1 µs..10 s', logUniform(200_000, 2)],
]) {
  const sorted = Float64Array.from(values).sort();
  for (const [name, build] of Object.entries(estimators)) {
    const quantile = build(values);
    const errors = QUANTILES.map(
      (q) => Math.abs(quantile(q) - exactQuantile(sorted, q)) / exactQuantile(sorted, q),
    );
    accuracy.push({
      dataset,
      estimator: name,
      maxRelativeErrorPercent: Math.max(...errors) * 100,
      errorsPercent: errors.map((e) => +(e * 100).toFixed(4)),
    });
  }
}

// ---- recording cost ----
const values = latencies(1 << 16, 3);
const MASK = values.length - 1;
let cursor = 0;
const next = () => {
  cursor = (cursor + 1) & MASK;
  return values[cursor];
};

const own = new LogLinearHistogram({ significantBits: 7, bounds: [0.001, 0.01, 0.1, 1] });
const ownManyBounds = new LogLinearHistogram({
  significantBits: 7,
  bounds: [
    0.00001, 0.000025, 0.00005, 0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25,
    0.5, 1, 2.5, 5, 10, 30, 60,
  ],
});
const hdrJs2 = buildHdr(2);
const hdrJs3 = buildHdr(3);
const hdrWasm = buildHdr(2, true);
const monitor = createPerformanceMonitor();
const labels = Object.freeze({ tool: 'search', outcome: 'ok' });
const bound = monitor.histogram(MetricNames.toolDuration, labels);
const counterLabels = Object.freeze({ cache: 'tools' });
const sink = new Float64Array(1024);

const tasks = {
  'baseline: store in Float64Array': () => {
    for (let index = 0; index < BATCH; index++) sink[index] = next();
  },
  'LogLinearHistogram.record': () => {
    for (let index = 0; index < BATCH; index++) own.record(next());
  },
  'LogLinearHistogram.record (21 le bounds)': () => {
    for (let index = 0; index < BATCH; index++) ownManyBounds.record(next());
  },
  'hdr-histogram-js recordValue (2 digits)': () => {
    for (let index = 0; index < BATCH; index++) hdrJs2.recordValue(Math.round(next() * 1e9));
  },
  'hdr-histogram-js recordValue (3 digits)': () => {
    for (let index = 0; index < BATCH; index++) hdrJs3.recordValue(Math.round(next() * 1e9));
  },
  'hdr-histogram-js wasm recordValue (2 digits)': () => {
    for (let index = 0; index < BATCH; index++) hdrWasm.recordValue(Math.round(next() * 1e9));
  },
  'monitor.observe(name, value, reused labels)': () => {
    for (let index = 0; index < BATCH; index++) monitor.observe(MetricNames.toolDuration, next(), labels);
  },
  'bound histogram handle .observe(value)': () => {
    for (let index = 0; index < BATCH; index++) bound.observe(next());
  },
  'monitor.increment(name, reused labels)': () => {
    for (let index = 0; index < BATCH; index++) monitor.increment(MetricNames.cacheHits, counterLabels);
  },
  'monitor.observe(name, value, new labels object each call)': () => {
    for (let index = 0; index < BATCH; index++) {
      monitor.observe(MetricNames.toolDuration, next(), { tool: 'search', outcome: 'ok' });
    }
  },
};

const bench = new Bench({ time: 700, warmupTime: 300 });
for (const [name, fn] of Object.entries(tasks)) bench.add(name, fn);
await bench.run();
const baselineP50 = bench.tasks[0].result.latency.p50;
const cost = bench.tasks.map((task) => ({
  task: task.name,
  nsPerRecordP50: +((task.result.latency.p50 * 1e6) / BATCH).toFixed(2),
  nsPerRecordP99: +((task.result.latency.p99 * 1e6) / BATCH).toFixed(2),
  ratioToBaseline: +(task.result.latency.p50 / baselineP50).toFixed(2),
}));

// ---- allocation on the hot path: garbage collections and heap growth over 10,000,000 records ----
// Each loop is its own function so that its call sites stay monomorphic. 16 bytes per record (one boxed double)
// would be 160 MB: about ten young-generation collections. Zero collections and a heap growth of a few KB
// (the measurement's own noise) mean the path allocates nothing.
const RECORDS = 10_000_000;
const allocationLoops = {
  'baseline: store in Float64Array': () => {
    for (let index = 0; index < RECORDS; index++) sink[index & 1023] = next();
  },
  'LogLinearHistogram.record': () => {
    for (let index = 0; index < RECORDS; index++) own.record(next());
  },
  'bound histogram handle .observe': () => {
    for (let index = 0; index < RECORDS; index++) bound.observe(next());
  },
  'monitor.observe (reused labels)': () => {
    for (let index = 0; index < RECORDS; index++) monitor.observe(MetricNames.toolDuration, next(), labels);
  },
  'monitor.increment (reused labels)': () => {
    for (let index = 0; index < RECORDS; index++) monitor.increment(MetricNames.cacheHits, counterLabels);
  },
  'monitor.observe (new labels object each call)': () => {
    for (let index = 0; index < RECORDS / 10; index++) {
      monitor.observe(MetricNames.toolDuration, next(), { tool: 'search', outcome: 'ok' });
    }
  },
};
const allocation = [];
if (typeof globalThis.gc === 'function') {
  const { PerformanceObserver } = await import('node:perf_hooks');
  let collections = 0;
  const observer = new PerformanceObserver((list) => {
    collections += list.getEntries().length;
  });
  for (const [name, loop] of Object.entries(allocationLoops)) {
    loop();
    globalThis.gc();
    await new Promise((resolve) => setImmediate(resolve));
    observer.observe({ entryTypes: ['gc'] });
    collections = 0;
    const before = process.memoryUsage().heapUsed;
    loop();
    const after = process.memoryUsage().heapUsed;
    // GC entries are delivered asynchronously; give them time to arrive.
    await new Promise((resolve) => setTimeout(resolve, 100));
    observer.disconnect();
    const records = name.includes('new labels') ? RECORDS / 10 : RECORDS;
    allocation.push({
      task: name,
      records,
      garbageCollections: collections,
      heapGrowthBytes: after - before,
    });
  }
}

// Flat metrics for bench/check-performance.mjs: ratios to the baseline store measured in this run (machine
// independent), the worst quantile error (deterministic data), and the absolute bar of 100 ns.
const ratioOf = (task) => cost.find((row) => row.task === task).ratioToBaseline;
const metrics = {
  log_linear_record_vs_store: ratioOf('LogLinearHistogram.record (21 le bounds)'),
  bound_observe_vs_store: ratioOf('bound histogram handle .observe(value)'),
  monitor_observe_vs_store: ratioOf('monitor.observe(name, value, reused labels)'),
  monitor_increment_vs_store: ratioOf('monitor.increment(name, reused labels)'),
  monitor_observe_ns_p50: cost.find((row) => row.task === 'monitor.observe(name, value, reused labels)')
    .nsPerRecordP50,
  log_linear_max_error_percent: Math.max(
    ...accuracy
      .filter((row) => row.estimator.startsWith('log-linear'))
      .map((row) => row.maxRelativeErrorPercent),
  ),
};
for (const row of allocation) {
  if (!row.task.includes('new labels') && !row.task.startsWith('baseline')) {
    metrics[`gc_count_${row.task.replace(/[^a-zA-Z]+/g, '_').replace(/_+$/, '')}`] = row.garbageCollections;
  }
}

if (json) {
  console.log(JSON.stringify({ node: process.version, metrics, accuracy, cost, allocation }, null, 2));
} else {
  console.log(`node ${process.version}; batch of ${BATCH} records per task iteration\n`);
  console.log('Accuracy: relative error of p50/p95/p99/p99.9 vs exact nearest-rank (200,000 values)');
  console.table(
    accuracy.map(({ dataset, estimator, maxRelativeErrorPercent }) => ({
      dataset,
      estimator,
      'max error %': +maxRelativeErrorPercent.toFixed(3),
    })),
  );
  console.log('Recording cost (ns per record, p50 of batches; ratio to the baseline store in the same run)');
  console.table(cost);
  if (allocation.length > 0) {
    console.log('Garbage collections and heap growth while recording (node --expose-gc)');
    console.table(allocation);
  } else {
    console.log('Run with node --expose-gc to measure allocation.');
  }
}
