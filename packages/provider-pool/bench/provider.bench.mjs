// What the provider adds over a raw undici Pool request to the same loopback server, measured in one run:
// non-streaming chat, and time to the first stream event. Then SSE decoding throughput of our decoder vs
// eventsource-parser 3.1. Build first: `pnpm --filter @victor-ai/provider-pool build && pnpm --filter
// @victor-ai/provider-pool bench`. The server runs in a child process (bench/server.mjs); every client is
// warmed up (>= 3,000 calls and 4 s) before counting; passes interleave the clients; every answer is
// checked, and the server's request count must equal the calls made (no hidden retries).
import { spawn } from 'node:child_process';
import { createInterface } from 'node:readline';
import { createParser } from 'eventsource-parser';
import { Bench } from 'tinybench';
import { Pool } from 'undici';
import {
  buildResponsesBody,
  createOpenAICompatibleProvider,
  createOpenAIResponsesProvider,
  createProviderPool,
  SseDecoder,
} from '../dist/index.js';

/** A setting of this bench: the environment's `BENCH_<name>`, else `fallback`. */
const setting = (name, fallback) => Number(process.env[`BENCH_${name}`] ?? fallback);
const PASSES = setting('PASSES', 5);
const TIME_MS = setting('TIME_MS', 1_000);
const WARMUP_MS = setting('WARMUP_MS', 4_000);
const WARMUP_CALLS = setting('WARMUP_CALLS', 3_000);

function median(values) {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)];
}

function percentile(values, p) {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))];
}

// --- the server, in its own process --------------------------------------------------------------------
const child = spawn(process.execPath, [new URL('./server.mjs', import.meta.url).pathname], {
  stdio: ['pipe', 'pipe', 'inherit'],
});
const lines = createInterface({ input: child.stdout });
const nextLine = () => new Promise((resolve) => lines.once('line', (line) => resolve(JSON.parse(line))));
const { url, baseURL } = await nextLine();
const serverRequests = async () => {
  child.stdin.write('count\n');
  return (await nextLine()).requests;
};

// --- the clients -----------------------------------------------------------------------------------------
const raw = new Pool(url, { connections: 32, pipelining: 1, keepAliveTimeout: 30_000 });
const provider = createOpenAICompatibleProvider({ baseURL });
// The pool gets its own provider (own connections), so that the two share no state.
const pool = createProviderPool({
  endpoints: [{ provider: createOpenAICompatibleProvider({ baseURL, headersTimeoutMs: 10_000 }) }],
});
const poolWithAttemptTimeout = createProviderPool({
  endpoints: [{ provider: createOpenAICompatibleProvider({ baseURL }) }],
  attemptTimeoutMs: 10_000,
});
const chatPath = `${new URL(baseURL).pathname}/chat/completions`;
// The Responses API provider, and raw undici sending the very bytes it sends.
const responses = createOpenAIResponsesProvider({ baseURL });
const responsesPath = `${new URL(baseURL).pathname}/responses`;
const messages = [{ role: 'user', content: 'ping' }];
const request = { model: 'loopback-1', messages };
const expected = 'You said: ping';
let calls = 0;

async function rawChat() {
  calls++;
  const response = await raw.request({
    path: chatPath,
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ model: 'loopback-1', messages }),
  });
  const body = await response.body.json();
  if (body.choices[0].message.content !== expected) throw new Error('raw: wrong answer');
}

async function providerChat() {
  calls++;
  const response = await provider.chat(request);
  if (response.text !== expected) throw new Error('provider: wrong answer');
}

async function poolChat() {
  calls++;
  const response = await pool.chat(request);
  if (response.text !== expected) throw new Error('pool: wrong answer');
}

async function poolChatAttemptTimeout() {
  calls++;
  const response = await poolWithAttemptTimeout.chat(request);
  if (response.text !== expected) throw new Error('pool: wrong answer');
}

const responsesRequest = { model: 'loopback-1', messages: [{ role: 'user', content: 'ping' }] };
const responsesBody = buildResponsesBody(responsesRequest, false);
const responsesStreamBody = buildResponsesBody(responsesRequest, true);

async function rawResponsesChat() {
  calls++;
  const response = await raw.request({
    path: responsesPath,
    method: 'POST',
    headers: { 'content-type': 'application/json', accept: 'application/json' },
    body: responsesBody,
  });
  const body = await response.body.json();
  const message = body.output.find((item) => item.type === 'message');
  if (message.content[0].text !== expected) throw new Error('raw responses: wrong answer');
}

async function responsesChat() {
  calls++;
  const response = await responses.chat(responsesRequest);
  if (response.text !== expected) throw new Error('responses provider: wrong answer');
}

// Time to first event is timed inside the task; the rest of the stream is read (untimed) so that the
// connection goes back to the pool, as in real use.
const ttfe = { raw: [], provider: [], rawResponses: [], responses: [] };
let recording = false;

/** A raw undici SSE stream: times the first event into `ttfe[key]`, reads the rest, checks its last marker. */
function rawSseStream(key, path, headers, body, doneMarker) {
  return async () => {
    calls++;
    const started = process.hrtime.bigint();
    const response = await raw.request({ path, method: 'POST', headers, body: body() });
    let first = true;
    let text = '';
    for await (const chunk of response.body) {
      const part = chunk.toString('utf8');
      if (first && part.includes('\n\n')) {
        const firstEvent = part.slice(part.indexOf('data: ') + 6, part.indexOf('\n\n'));
        JSON.parse(firstEvent);
        if (recording) ttfe[key].push(Number(process.hrtime.bigint() - started) / 1_000);
        first = false;
      }
      text += part;
    }
    if (!text.includes(doneMarker)) throw new Error(`${key} stream: no ${doneMarker}`);
  };
}

/** A Victor provider's stream: times the first event into `ttfe[key]`, reads the rest, checks the finish. */
function victorStream(key, streamer, streamRequest) {
  return async () => {
    calls++;
    const started = process.hrtime.bigint();
    let first = true;
    let last;
    for await (const event of streamer.stream(streamRequest)) {
      if (first) {
        if (recording) ttfe[key].push(Number(process.hrtime.bigint() - started) / 1_000);
        first = false;
      }
      last = event;
    }
    if (last?.type !== 'finish') throw new Error(`${key} stream: no finish`);
  };
}

const rawStream = rawSseStream(
  'raw',
  chatPath,
  { 'content-type': 'application/json' },
  () => JSON.stringify({ model: 'loopback-1', messages, stream: true }),
  '[DONE]',
);
const providerStream = victorStream('provider', provider, request);
const rawResponsesStream = rawSseStream(
  'rawResponses',
  responsesPath,
  { 'content-type': 'application/json', accept: 'application/json' },
  () => responsesStreamBody,
  'response.completed',
);
const responsesStream = victorStream('responses', responses, responsesRequest);

const tasks = [
  ['raw undici chat', rawChat],
  ['provider chat', providerChat],
  ['pool chat (1 endpoint)', poolChat],
  ['pool chat, attemptTimeoutMs', poolChatAttemptTimeout],
  ['raw undici stream', rawStream],
  ['provider stream', providerStream],
  ['raw undici responses', rawResponsesChat],
  ['responses chat', responsesChat],
  ['raw undici responses stream', rawResponsesStream],
  ['responses stream', responsesStream],
];

const p50s = new Map(tasks.map(([name]) => [name, []]));
const p99s = new Map(tasks.map(([name]) => [name, []]));
const cpu = new Map(tasks.map(([name]) => [name, []]));
const ttfePasses = { raw: [], provider: [], rawResponses: [], responses: [] };
// The stream tasks, and the `ttfe` list each one times its first event into.
const ttfeKeyOf = new Map([
  ['raw undici stream', 'raw'],
  ['provider stream', 'provider'],
  ['raw undici responses stream', 'rawResponses'],
  ['responses stream', 'responses'],
]);

// Warm-up pass: every client, >= WARMUP_CALLS calls and WARMUP_MS each.
{
  const warm = new Bench({
    time: 1,
    iterations: 1,
    warmup: true,
    warmupTime: WARMUP_MS,
    warmupIterations: WARMUP_CALLS,
  });
  for (const [name, fn] of tasks) warm.add(name, fn);
  await warm.run();
}

for (let pass = 1; pass <= PASSES; pass++) {
  // Alternate the order between passes so that drift does not always favour the same client.
  const order = pass % 2 === 0 ? [...tasks].reverse() : tasks;
  for (const [name, fn] of order) {
    const bench = new Bench({ time: TIME_MS, warmup: false });
    bench.add(name, fn);
    recording = true;
    for (const list of Object.values(ttfe)) list.length = 0;
    const before = process.cpuUsage();
    await bench.run();
    const used = process.cpuUsage(before);
    recording = false;
    const task = bench.tasks[0];
    if (task.result.error) throw task.result.error;
    p50s.get(name).push(task.result.latency.p50 * 1_000);
    p99s.get(name).push(task.result.latency.p99 * 1_000);
    cpu.get(name).push((used.user + used.system) / task.result.latency.samplesCount);
    const key = ttfeKeyOf.get(name);
    if (key !== undefined) ttfePasses[key].push([percentile(ttfe[key], 50), percentile(ttfe[key], 99)]);
  }
}

// Interleaved check of the same differences, call by call (A, B, C, A, B, C, ...), so that drift hits every
// client alike; percentiles from every sample.
const INTERLEAVED_ROUNDS = setting('INTERLEAVED_ROUNDS', 20_000);
const interleaved = {
  raw: [],
  provider: [],
  pool: [],
  rawTtfe: [],
  providerTtfe: [],
  rawResponses: [],
  responses: [],
  rawResponsesTtfe: [],
  responsesTtfe: [],
};
async function timed(fn) {
  const started = process.hrtime.bigint();
  await fn();
  return Number(process.hrtime.bigint() - started) / 1_000;
}
recording = true;
// Per API, in call order: the chats (timed whole, into `interleaved[key]`), then the streams (first event
// timed into `ttfe[key]`, then kept in `interleaved[key + 'Ttfe']`).
const interleavedApis = [
  {
    chats: [
      ['raw', rawChat],
      ['provider', providerChat],
      ['pool', poolChat],
    ],
    streams: [
      ['raw', rawStream],
      ['provider', providerStream],
    ],
  },
  {
    chats: [
      ['rawResponses', rawResponsesChat],
      ['responses', responsesChat],
    ],
    streams: [
      ['rawResponses', rawResponsesStream],
      ['responses', responsesStream],
    ],
  },
];
for (let round = 0; round < INTERLEAVED_ROUNDS; round++) {
  for (const { chats, streams } of interleavedApis) {
    for (const [key, chat] of chats) interleaved[key].push(await timed(chat));
    for (const [key] of streams) ttfe[key].length = 0;
    for (const [, stream] of streams) await stream();
    for (const [key] of streams) interleaved[`${key}Ttfe`].push(ttfe[key][0]);
  }
}
recording = false;

const served = await serverRequests();
if (served !== calls) throw new Error(`server counted ${served} requests for ${calls} calls`);

console.log(
  `\n## Provider overhead over raw undici (us; medians of ${PASSES} passes, one loopback server in a child process)`,
);
console.log('| task | p50 us | p99 us | CPU us/call | p50 per pass |');
console.log('|---|---|---|---|---|');
for (const [name] of tasks) {
  console.log(
    `| ${name} | ${median(p50s.get(name)).toFixed(1)} | ${median(p99s.get(name)).toFixed(1)} | ${median(cpu.get(name)).toFixed(1)} | ${p50s
      .get(name)
      .map((v) => v.toFixed(1))
      .join(', ')} |`,
  );
}
const addedChat = p50s.get('provider chat').map((v, i) => v - p50s.get('raw undici chat')[i]);
const addedPool = p50s.get('pool chat (1 endpoint)').map((v, i) => v - p50s.get('raw undici chat')[i]);
const addedPoolTimeout = p50s
  .get('pool chat, attemptTimeoutMs')
  .map((v, i) => v - p50s.get('raw undici chat')[i]);
const addedTtfe = ttfePasses.provider.map(([p50], i) => p50 - ttfePasses.raw[i][0]);
console.log(
  `\nadded p50, non-streaming: ${median(addedChat).toFixed(1)} us (per pass: ${addedChat.map((v) => v.toFixed(1)).join(', ')}; target <= 10 us)`,
);
console.log(
  `added p50, ProviderPool over that provider (selection, breaker; timeouts left to undici's headersTimeout): ${median(addedPool).toFixed(1)} us (per pass: ${addedPool.map((v) => v.toFixed(1)).join(', ')})`,
);
console.log(
  `added p50, pool with attemptTimeoutMs (an AbortController per attempt): ${median(addedPoolTimeout).toFixed(1)} us (per pass: ${addedPoolTimeout.map((v) => v.toFixed(1)).join(', ')})`,
);
console.log(
  `time to first event p50: raw ${median(ttfePasses.raw.map(([p50]) => p50)).toFixed(1)} us, provider ${median(ttfePasses.provider.map(([p50]) => p50)).toFixed(1)} us; added ${median(addedTtfe).toFixed(1)} us (per pass: ${addedTtfe.map((v) => v.toFixed(1)).join(', ')}; target <= 30 us)`,
);
const addedResponses = p50s.get('responses chat').map((v, i) => v - p50s.get('raw undici responses')[i]);
const addedResponsesTtfe = ttfePasses.responses.map(([p50], i) => p50 - ttfePasses.rawResponses[i][0]);
console.log(
  `added p50, Responses API non-streaming (over raw undici sending the same bytes): ${median(addedResponses).toFixed(1)} us (per pass: ${addedResponses.map((v) => v.toFixed(1)).join(', ')}; target <= 10 us)`,
);
console.log(
  `time to first event p50, Responses API: raw ${median(ttfePasses.rawResponses.map(([p50]) => p50)).toFixed(1)} us, provider ${median(ttfePasses.responses.map(([p50]) => p50)).toFixed(1)} us; added ${median(addedResponsesTtfe).toFixed(1)} us (per pass: ${addedResponsesTtfe.map((v) => v.toFixed(1)).join(', ')}; target <= 30 us)`,
);
console.log(
  `\n## Interleaved call by call (${INTERLEAVED_ROUNDS} rounds; us)\n| client | p50 | p99 | added p50 over raw |\n|---|---|---|---|`,
);
for (const [name, samples, base] of [
  ['raw undici chat', interleaved.raw, interleaved.raw],
  ['provider chat', interleaved.provider, interleaved.raw],
  ['pool chat (1 endpoint)', interleaved.pool, interleaved.raw],
  ['raw undici first event', interleaved.rawTtfe, interleaved.rawTtfe],
  ['provider first event', interleaved.providerTtfe, interleaved.rawTtfe],
  ['raw undici responses', interleaved.rawResponses, interleaved.rawResponses],
  ['responses chat', interleaved.responses, interleaved.rawResponses],
  ['raw undici responses first event', interleaved.rawResponsesTtfe, interleaved.rawResponsesTtfe],
  ['responses first event', interleaved.responsesTtfe, interleaved.rawResponsesTtfe],
]) {
  console.log(
    `| ${name} | ${percentile(samples, 50).toFixed(1)} | ${percentile(samples, 99).toFixed(1)} | ${(percentile(samples, 50) - percentile(base, 50)).toFixed(1)} |`,
  );
}
console.log(`server requests ${served} = calls ${calls} (no hidden retries)`);

await provider.close();
await responses.close();
await pool.close();
await poolWithAttemptTimeout.close();
await raw.close();
child.stdin.end();

// --- SSE decoding throughput ---------------------------------------------------------------------------
{
  const parts = [];
  for (let i = 0; i < 4_000; i++) {
    parts.push(
      `data: {"id":"chatcmpl-1","object":"chat.completion.chunk","created":1,"model":"m","choices":[{"index":0,"delta":{"content":"token ${i} héllo 👋"},"finish_reason":null}]}\n\n`,
    );
  }
  parts.push('data: [DONE]\n\n');
  const bytes = new TextEncoder().encode(parts.join(''));
  const CHUNK = 1_024;
  const chunks = [];
  for (let offset = 0; offset < bytes.length; offset += CHUNK)
    chunks.push(bytes.subarray(offset, offset + CHUNK));
  const expectedEvents = parts.length;

  const ours = () => {
    const decoder = new SseDecoder();
    let count = 0;
    for (const chunk of chunks) count += decoder.push(chunk).length;
    count += decoder.end().length;
    if (count !== expectedEvents) throw new Error(`ours: ${count} events`);
  };
  const theirs = () => {
    let count = 0;
    const parser = createParser({ onEvent: () => count++ });
    const text = new TextDecoder();
    for (const chunk of chunks) parser.feed(text.decode(chunk, { stream: true }));
    parser.feed(text.decode());
    parser.reset({ consume: true });
    if (count !== expectedEvents) throw new Error(`eventsource-parser: ${count} events`);
  };
  const rates = { ours: [], theirs: [] };
  for (let pass = 0; pass <= PASSES; pass++) {
    const bench = new Bench({ time: TIME_MS });
    bench.add('SseDecoder (ours)', ours).add('eventsource-parser 3.1', theirs);
    await bench.run();
    if (pass === 0) continue;
    const [a, b] = bench.tasks;
    rates.ours.push(bytes.length / 1e6 / (a.result.latency.p50 / 1_000));
    rates.theirs.push(bytes.length / 1e6 / (b.result.latency.p50 / 1_000));
  }
  console.log(
    `\n## SSE decoding, ${(bytes.length / 1e6).toFixed(2)} MB in ${CHUNK}-byte chunks (MB/s at p50; medians of ${PASSES} passes)`,
  );
  console.log('| decoder | MB/s | per pass |');
  console.log('|---|---|---|');
  console.log(
    `| SseDecoder (ours) | ${median(rates.ours).toFixed(0)} | ${rates.ours.map((v) => v.toFixed(0)).join(', ')} |`,
  );
  console.log(
    `| eventsource-parser 3.1 | ${median(rates.theirs).toFixed(0)} | ${rates.theirs.map((v) => v.toFixed(0)).join(', ')} |`,
  );
  console.log(`ratio ours / eventsource-parser: ${(median(rates.ours) / median(rates.theirs)).toFixed(2)}x`);
}
