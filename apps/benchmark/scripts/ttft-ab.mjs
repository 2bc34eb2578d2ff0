// Where the time to the first token goes, old build against new, in one process and one run.
//
// A loopback server in its own process sends each streamed answer at once (headers and every SSE event in
// one write). One client process runs, interleaved in rounds: raw undici (time to the first body chunk, with
// request() and its Readable body; `rawDispatch` with dispatch() and a handler; `rawAgent` sending the
// agent's bytes), and
// for each build (A = a saved older build, B = the current dist) Victor's OpenAI-compatible provider alone
// and the bench agent (55 tools, selection every turn, three middlewares). For every call it takes four
// timestamps with process.hrtime.bigint(): the call starts; undici gets the request
// (`undici:request:create`); the response headers arrive (`undici:request:headers`, the first byte, since
// the server writes head and body together); the first `text-delta` event reaches the caller. So:
//   agentPre = the agent calls its provider's stream() - call start (selection, middleware, prepare)
//   pre   = request handed to undici - call start    (building the request: selection, body, signals)
//   send  = request body sent (undici:request:bodySent) - handed to undici; wait = headers - body sent
//   post  = first text-delta - first byte            (decoding: SSE, JSON, generators, the agent's loop)
//   ttft  = first text-delta - call start            (what the benchmark app reports)
// Figures: per client, the median over rounds of each round's median, with the min-max over rounds.
//
// Use: build the app and the packages, save an older build as packages/<p>/node_modules/.ttft-base
// (a copy of that package's dist; provider-pool and coordinators), then
//   node apps/benchmark/scripts/ttft-ab.mjs [rounds=9] [callsPerRound=400]
// Without a saved build only B runs. TTFT_BASE names another folder than `.ttft-base`.
import { fork } from 'node:child_process';
import diagnostics from 'node:diagnostics_channel';
import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { Pool } from 'undici';

const here = dirname(fileURLToPath(import.meta.url));
const root = join(here, '..', '..', '..');
const ROUNDS = Number(process.argv[2] ?? 9);
const PER_ROUND = Number(process.argv[3] ?? 400);
const WARMUP = 3_000;
const baseName = process.env.TTFT_BASE ?? '.ttft-base';

// --- the server, in its own process ----------------------------------------------------------------------
const server = fork(join(here, '..', 'dist', 'server-process.js'), ['{}'], { stdio: 'inherit' });
const { url, baseURL } = await new Promise((resolve) =>
  server.on('message', (message) => message.type === 'ready' && resolve(message)),
);

// --- timestamps from undici's diagnostics channels (one call at a time, so the last ones are this call's) --
let created = 0n;
let sent = 0n;
let called = 0n;
let headers = 0n;
diagnostics.subscribe('undici:request:bodySent', () => {
  sent = process.hrtime.bigint();
});
diagnostics.subscribe('undici:request:create', () => {
  created = process.hrtime.bigint();
});
diagnostics.subscribe('undici:request:headers', () => {
  headers = process.hrtime.bigint();
});

// --- the builds ------------------------------------------------------------------------------------------
async function loadBuild(dir) {
  const providerPool = await import(
    pathToFileURL(join(root, 'packages/provider-pool', dir, 'index.js')).href
  );
  const coordinators = await import(pathToFileURL(join(root, 'packages/coordinators', dir, 'index.js')).href);
  return { providerPool, coordinators };
}
const builds = { B: await loadBuild('dist') };
if (existsSync(join(root, 'packages/provider-pool/node_modules', baseName, 'index.js'))) {
  builds.A = await loadBuild(join('node_modules', baseName));
}
const middleware = await import('@victor-ai/middleware');

// The bench agent's tools, turns and settings, from the built app (src/agent-fixture.ts).
const { AGENT_K, AGENT_SYSTEM_PROMPT, agentEquivalentBodies, agentTurns, benchTools } = await import(
  pathToFileURL(join(here, '..', 'dist', 'main.js')).href
);
const turns = agentTurns();

const MESSAGES = [
  { role: 'system', content: 'You are a concise assistant.' },
  { role: 'user', content: 'Say something about foxes.' },
];
const clients = {};
const pool = new Pool(url, { connections: 4, pipelining: 1, keepAliveTimeout: 60_000 });
const rawBody = JSON.stringify({
  model: 'loopback-1',
  messages: MESSAGES,
  stream: true,
  stream_options: { include_usage: true },
});
clients.raw = async () => {
  const response = await pool.request({
    path: '/v1/chat/completions',
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: rawBody,
  });
  let first = 0n;
  let text = '';
  for await (const chunk of response.body) {
    text += chunk.toString('utf8');
    if (first === 0n && text.includes('"content":"T')) first = process.hrtime.bigint();
  }
  if (first === 0n || !text.includes('[DONE]')) throw new Error('raw: incomplete stream');
  return first;
};
// rawDispatch: raw undici through dispatch() and a handler (no Readable body, no async iterator).
clients.rawDispatch = () =>
  new Promise((resolve, reject) => {
    let first = 0n;
    let text = '';
    pool.dispatch(
      {
        path: '/v1/chat/completions',
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: rawBody,
      },
      {
        onRequestStart() {},
        onResponseStart() {},
        onResponseData(_controller, chunk) {
          text += chunk.toString('utf8');
          if (first === 0n && text.includes('"content":"T')) first = process.hrtime.bigint();
        },
        onResponseEnd() {
          if (first === 0n || !text.includes('[DONE]')) reject(new Error('rawDispatch: incomplete stream'));
          else resolve(first);
        },
        onResponseError(_controller, error) {
          reject(error);
        },
      },
    );
  });

// raw-agent: raw undici sending the very bytes the agent sends (captured once by the app's
// agentEquivalentBodies), so the agent's added time excludes the bigger request body.
const agentBodies = await agentEquivalentBodies(turns, true);
let agentBodyIndex = 0;
clients.rawAgent = async () => {
  const response = await pool.request({
    path: '/v1/chat/completions',
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: agentBodies[agentBodyIndex++ % agentBodies.length],
  });
  let first = 0n;
  let text = '';
  for await (const chunk of response.body) {
    text += chunk.toString('utf8');
    if (first === 0n && text.includes('"content":"T')) first = process.hrtime.bigint();
  }
  if (first === 0n || !text.includes('[DONE]')) throw new Error('raw-agent: incomplete stream');
  return first;
};

function createBenchAgent(build, provider) {
  return build.coordinators.createAgent({
    provider,
    model: 'loopback-1',
    systemPrompt: AGENT_SYSTEM_PROMPT,
    tools: benchTools(),
    toolSelection: { k: AGENT_K, minTools: AGENT_K, cacheSize: 0 },
    middleware: [
      middleware.createSafetyMiddleware({ workspaceRoot: '/tmp/victor-bench' }),
      middleware.createValidationMiddleware(),
      middleware.createAuditMiddleware({ log: () => {} }),
    ],
  });
}

for (const [name, build] of Object.entries(builds)) {
  const provider = build.providerPool.createOpenAICompatibleProvider({ baseURL, connections: 4 });
  clients[`provider${name}`] = async () => {
    let first = 0n;
    let finished = false;
    for await (const event of provider.stream({ model: 'loopback-1', messages: MESSAGES })) {
      if (event.type === 'text-delta' && first === 0n) first = process.hrtime.bigint();
      else if (event.type === 'finish') finished = true;
      else if (event.type === 'error') throw event.error;
    }
    if (first === 0n || !finished) throw new Error('provider: incomplete stream');
    return first;
  };
  // The agent's provider notes when the agent calls stream(): agent's own preparation vs the provider's.
  const inner = build.providerPool.createOpenAICompatibleProvider({ baseURL, connections: 4 });
  const noting = {
    id: inner.id,
    chat: (request) => inner.chat(request),
    stream(request) {
      called = process.hrtime.bigint();
      return inner.stream(request);
    },
    close: () => inner.close(),
  };
  const agent = createBenchAgent(build, noting);
  let turn = 0;
  clients[`agent${name}`] = async () => {
    let first = 0n;
    let finished = false;
    for await (const event of agent.stream(turns[turn++ % turns.length])) {
      if (event.type === 'text-delta' && first === 0n) first = process.hrtime.bigint();
      else if (event.type === 'turn-finish') finished = true;
      else if (event.type === 'error') throw event.error;
    }
    if (first === 0n || !finished) throw new Error('agent: incomplete stream');
    return first;
  };
}

async function once(run) {
  const started = process.hrtime.bigint();
  called = 0n;
  const first = await run();
  return {
    agentPre: called === 0n ? 0 : Number(called - started) / 1_000,
    pre: Number(created - started) / 1_000,
    send: Number(sent - created) / 1_000,
    wait: Number(headers - sent) / 1_000,
    post: Number(first - headers) / 1_000,
    ttft: Number(first - started) / 1_000,
  };
}

const median = (values) => {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)];
};

const KEYS = ['agentPre', 'pre', 'send', 'wait', 'post', 'ttft'];
const names = Object.keys(clients);
const start = Date.now();
for (const name of names) {
  for (let i = 0; i < WARMUP || Date.now() - start < 4_000 * (names.indexOf(name) + 1); i++) {
    await once(clients[name]);
  }
}
const rounds = Object.fromEntries(
  names.map((name) => [name, { agentPre: [], pre: [], send: [], wait: [], post: [], ttft: [] }]),
);
for (let round = 0; round < ROUNDS; round++) {
  // Rotate the order each round so that no client always runs right after another.
  const order = names.map((_, i) => names[(i + round) % names.length]);
  const samples = Object.fromEntries(
    names.map((name) => [name, { agentPre: [], pre: [], send: [], wait: [], post: [], ttft: [] }]),
  );
  for (let i = 0; i < PER_ROUND; i++) {
    for (const name of order) {
      const sample = await once(clients[name]);
      for (const key of KEYS) samples[name][key].push(sample[key]);
    }
  }
  for (const name of names) for (const key of KEYS) rounds[name][key].push(median(samples[name][key]));
}

const fmt = (values) =>
  `${median(values).toFixed(1).padStart(6)} (${Math.min(...values).toFixed(1)}-${Math.max(...values).toFixed(1)})`;
console.log(
  `${ROUNDS} rounds x ${PER_ROUND} calls per client, one client process, server in its own process`,
);
console.log(
  `${'client'.padEnd(10)} ${KEYS.map((key) => `${key} us`.padEnd(18)).join(' ')} added ttft, us (agent: vs rawAgent)`,
);
for (const name of names) {
  // The agent is compared with raw undici sending its bytes; the provider with raw undici sending its own.
  const baseline = rounds[name.startsWith('agent') ? 'rawAgent' : 'raw'].ttft;
  const added = rounds[name].ttft.map((value, i) => value - baseline[i]);
  console.log(
    `${name.padEnd(10)} ${KEYS.map((key) => fmt(rounds[name][key]).padEnd(18)).join(' ')} ${fmt(added)}`,
  );
}
await pool.close();
server.send({ type: 'close' });
process.exit(0);
