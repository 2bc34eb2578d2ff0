// generateText through @ai-sdk/openai-compatible vs generateText through createVictorLanguageModel over
// Victor's OpenAI-compatible provider, and a createAgent turn over fromAISDKModel vs over Victor's own
// provider, against one loopback server. Build first:
//   pnpm --filter @victor-ai/ai-sdk run build && pnpm --filter @victor-ai/ai-sdk run bench
// The server and each client run in their own processes. Every client is warmed up (>= 3,000 calls and
// 4 s); then PASSES passes, each running every client in turn (order reversed on even passes): a
// latency round (sequential calls, p50/p99 from every sample) and a throughput round at concurrency 64.
// Every answer is checked and the server's request count must equal the calls made (no hidden retries).
// Prints a table and, last, one JSON line (`aiSdk` key) for the benchmark app.
import { spawn } from 'node:child_process';
import { createInterface } from 'node:readline';

const PASSES = Number(process.env.BENCH_PASSES ?? 4);
const LATENCY_CALLS = Number(process.env.BENCH_LATENCY_CALLS ?? 2_000);
const THROUGHPUT_MS = Number(process.env.BENCH_THROUGHPUT_MS ?? 3_000);
const CONCURRENCY = Number(process.env.BENCH_CONCURRENCY ?? 64);
const WARMUP_CALLS = Number(process.env.BENCH_WARMUP_CALLS ?? 3_000);
const WARMUP_MS = Number(process.env.BENCH_WARMUP_MS ?? 4_000);
const CLIENTS = ['aiSdk', 'victor', 'agentOverAiSdk', 'agentOverVictor'];

function percentile(values, p) {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))];
}
const median = (values) => percentile(values, 50);

function processOf(args) {
  const child = spawn(process.execPath, args, { stdio: ['pipe', 'pipe', 'inherit'] });
  const lines = createInterface({ input: child.stdout });
  const waiting = [];
  lines.on('line', (line) => waiting.shift()?.(JSON.parse(line)));
  const next = () => new Promise((resolve) => waiting.push(resolve));
  child.on('exit', (code) => {
    if (code !== 0 && code !== null) {
      console.error(`${args.join(' ')} exited with ${code}`);
      process.exit(1);
    }
  });
  return {
    child,
    next,
    send(command) {
      const answer = next();
      child.stdin.write(`${typeof command === 'string' ? command : JSON.stringify(command)}\n`);
      return answer;
    },
  };
}

const here = (file) => new URL(file, import.meta.url).pathname;
// provider-pool's bench server: the loopback server in a process of its own (needs provider-pool built).
const server = processOf([here('../../provider-pool/bench/server.mjs')]);
const { baseURL } = await server.next();
const clients = {};
for (const name of CLIENTS) {
  clients[name] = processOf([here('./client.mjs'), name, baseURL]);
  await clients[name].next();
}

for (const name of CLIENTS) {
  await clients[name].send({ cmd: 'warmup', calls: WARMUP_CALLS, ms: WARMUP_MS });
}

const results = Object.fromEntries(CLIENTS.map((name) => [name, { p50: [], p99: [], rps: [], cpuUs: [] }]));
for (let pass = 1; pass <= PASSES; pass++) {
  const order = pass % 2 === 0 ? [...CLIENTS].reverse() : CLIENTS;
  for (const name of order) {
    const { samples } = await clients[name].send({ cmd: 'latency', calls: LATENCY_CALLS });
    results[name].p50.push(percentile(samples, 50));
    results[name].p99.push(percentile(samples, 99));
  }
  for (const name of order) {
    const { done, elapsedMs, cpuUs } = await clients[name].send({
      cmd: 'throughput',
      ms: THROUGHPUT_MS,
      concurrency: CONCURRENCY,
    });
    results[name].rps.push((done / elapsedMs) * 1_000);
    results[name].cpuUs.push(cpuUs / done);
  }
}

let made = 0;
for (const name of CLIENTS) made += (await clients[name].send({ cmd: 'calls' })).calls;
const { requests } = await server.send('count');
if (requests !== made) throw new Error(`the server counted ${requests} requests for ${made} calls`);

const summary = Object.fromEntries(
  CLIENTS.map((name) => {
    const r = results[name];
    return [
      name,
      { p50Us: median(r.p50), p99Us: median(r.p99), rps: median(r.rps), cpuUsPerCall: median(r.cpuUs) },
    ];
  }),
);
const fmt = (value, digits = 0) => value.toLocaleString('en-US', { maximumFractionDigits: digits });
console.log(
  `Node ${process.version}, ${PASSES} passes, ${LATENCY_CALLS} sequential calls per latency round, ` +
    `${THROUGHPUT_MS} ms at concurrency ${CONCURRENCY} per throughput round (shared, noisy machine)\n`,
);
console.log(
  '| client | p50 us | p99 us | req/s at c=64 | client CPU us per call | p50 per pass | req/s per pass |',
);
console.log('|---|---|---|---|---|---|---|');
for (const name of CLIENTS) {
  const s = summary[name];
  const r = results[name];
  console.log(
    `| ${name} | ${fmt(s.p50Us)} | ${fmt(s.p99Us)} | ${fmt(s.rps)} | ${fmt(s.cpuUsPerCall)} | ${r.p50.map((v) => fmt(v)).join(' / ')} | ${r.rps.map((v) => fmt(v)).join(' / ')} |`,
  );
}
const ratio = (a, b) => Math.round((a / b) * 100) / 100;
const aiSdk = {
  aiSdkP50Us: Math.round(summary.aiSdk.p50Us),
  victorP50Us: Math.round(summary.victor.p50Us),
  aiSdkRps: Math.round(summary.aiSdk.rps),
  victorRps: Math.round(summary.victor.rps),
  p50Speedup: ratio(summary.aiSdk.p50Us, summary.victor.p50Us),
  throughputRatio: ratio(summary.victor.rps, summary.aiSdk.rps),
  agentOverAiSdkP50Us: Math.round(summary.agentOverAiSdk.p50Us),
  agentOverVictorP50Us: Math.round(summary.agentOverVictor.p50Us),
  agentOverAiSdkRps: Math.round(summary.agentOverAiSdk.rps),
  agentOverVictorRps: Math.round(summary.agentOverVictor.rps),
};
console.log(
  `\ngenerateText p50: AI SDK provider ${aiSdk.aiSdkP50Us} us, Victor model ${aiSdk.victorP50Us} us (${aiSdk.p50Speedup}x faster); ` +
    `throughput ${aiSdk.victorRps} vs ${aiSdk.aiSdkRps} req/s (${aiSdk.throughputRatio}x)`,
);
console.log(
  `agent turn p50: over fromAISDKModel ${aiSdk.agentOverAiSdkP50Us} us, over Victor's provider ${aiSdk.agentOverVictorP50Us} us`,
);
console.log(JSON.stringify({ aiSdk }));
for (const name of CLIENTS) clients[name].child.stdin.end();
server.child.stdin.end();
