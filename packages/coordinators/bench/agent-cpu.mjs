// Client CPU per agent turn, as the benchmark app's `victorAgent` client runs it: 55 tools, lexical selection
// computed every turn (cache off), safety + validation + audit middlewares, an OpenAI-compatible provider
// over undici to a loopback server in another process, 64 turns in flight.
//
//   node bench/agent-cpu.mjs [--requests N] [--rounds R] [root ...]
//
// Each root is a directory holding packages/{coordinators,middleware,provider-pool}/dist (default: this
// repository). With several roots, each round runs one client process per root, alternating, against one
// shared loopback server; the report gives medians and ranges of CPU us per request (and the system and
// GC parts of it) and requests/s. A root written `<dir>#<json>` merges the JSON into the agent's config.
// AGENT_CPU_PROF=<dir> writes a CPU profile of each client's measured turns (AGENT_CPU_HEAP=all|old|live:
// a sampling heap profile instead); AGENT_CPU_EXEC=<file> runs the clients through a wrapper (strace...).
// `--client <root> <baseURL>` runs one measured client (used by the driver).
import { fork } from 'node:child_process';
import { dirname, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const here = dirname(fileURLToPath(import.meta.url));
const repoRoot = resolve(here, '../../..');
const CONCURRENCY = 64;
const REPLY = 'The quick brown fox jumps over the lazy dog. '.repeat(8);

// The benchmark's 55 tools (apps/benchmark/src/agent-fixture.ts, which this plain script cannot import):
// 5 verbs x 11 subjects, the turns cycling through 2,000 distinct messages.
const SUBJECTS = Object.entries({
  file: 'a file in the workspace',
  directory: 'a directory of the workspace',
  test: 'the test suite',
  branch: 'a git branch',
  commit: 'a git commit',
  issue: 'an issue in the tracker',
  package: 'an npm package dependency',
  symbol: 'a code symbol such as a function or class',
  process: 'a running process',
  log: 'the application log',
  config: 'a configuration value',
});
const VERBS = ['read', 'list', 'search', 'update', 'delete'];
const TOPICS = (
  'foxes rivers parsers tokens caches sockets queues tenants metrics schemas routers workers budgets ' +
  'streams retries circuits indexes vectors prompts agents'
).split(' ');

// The same JSON Schema as the fixture's, property by property.
const schemaOf = (subject) => ({
  type: 'object',
  properties: Object.fromEntries([
    ['path', { type: 'string', description: `Path or name of the ${subject}` }],
    ['query', { type: 'string', description: 'Words to look for' }],
    ['limit', { type: 'integer', minimum: 1, maximum: 100 }],
  ]),
  required: ['path'],
  additionalProperties: false,
});

const benchTools = () =>
  SUBJECTS.flatMap(([subject, what]) =>
    VERBS.map((verb) => ({
      definition: {
        name: `${verb}_${subject}`,
        description: `${verb[0].toUpperCase()}${verb.slice(1)} ${what}. Use it when the user asks to ${verb} ${subject}s about a topic.`,
        parameters: schemaOf(subject),
        category: subject,
        readOnly: verb === 'read' || verb === 'list' || verb === 'search',
        ...(verb === 'update' && subject === 'process' ? { tags: ['shell'] } : {}),
      },
      execute: () => `${verb} ${subject}`,
    })),
  );

const agentTurns = (count = 2000) =>
  Array.from({ length: count }, (_, i) => {
    const verb = VERBS[i % VERBS.length];
    const subject = SUBJECTS[Math.floor(i / VERBS.length) % SUBJECTS.length][0];
    const topic = TOPICS[i % TOPICS.length];
    const other = TOPICS[Math.floor(i / TOPICS.length) % TOPICS.length];
    return [{ role: 'user', content: `${verb} the ${subject}s about ${topic} and ${other}, turn ${i}` }];
  });

async function runClient(spec, baseURL, requests) {
  const [root, overrides] = spec.split('#');
  const load = (name) => import(pathToFileURL(resolve(root, 'packages', name, 'dist/index.js')).href);
  const [{ createAgent }, middleware, { createOpenAICompatibleProvider }] = await Promise.all([
    load('coordinators'),
    load('middleware'),
    load('provider-pool'),
  ]);
  const config = {
    provider: createOpenAICompatibleProvider({ baseURL, connections: CONCURRENCY }),
    model: 'loopback-1',
    systemPrompt: 'You are a coding assistant. Use the tools when they help.',
    tools: benchTools(),
    toolSelection: { k: 8, minTools: 8, cacheSize: 0 },
    middleware: [
      middleware.createSafetyMiddleware({ workspaceRoot: '/tmp/victor-bench' }),
      middleware.createValidationMiddleware(),
      middleware.createAuditMiddleware({ log: () => {} }),
    ],
  };
  // A root given as `<dir>#<json>` merges the JSON into the agent's configuration (to turn a feature off).
  if (overrides) Object.assign(config, JSON.parse(overrides));
  let agent;
  try {
    agent = createAgent(config);
  } catch {
    // Builds older than the minTools option.
    config.toolSelection = { k: 8, cacheSize: 0 };
    agent = createAgent(config);
  }
  const turns = agentTurns();
  let index = 0;
  const run = async (count) => {
    let left = count;
    const worker = async () => {
      while (left-- > 0) {
        const result = await agent.chat(turns[index++ % turns.length]);
        if (!result.text.startsWith('The quick brown fox') || result.selectedTools.length === 0)
          throw new Error('wrong turn');
      }
    };
    await Promise.all(Array.from({ length: CONCURRENCY }, worker));
  };
  await run(Math.max(2000, requests / 2));
  const profiler = process.env.AGENT_CPU_PROF ? await startProfile(process.env.AGENT_CPU_HEAP) : undefined;
  const { PerformanceObserver } = await import('node:perf_hooks');
  let gcMs = 0;
  const gc = new PerformanceObserver((list) => {
    for (const entry of list.getEntries()) gcMs += entry.duration;
  });
  gc.observe({ entryTypes: ['gc'] });
  const cpu = process.cpuUsage();
  const started = performance.now();
  await run(requests);
  const elapsed = performance.now() - started;
  const used = process.cpuUsage(cpu);
  await new Promise((done) => setImmediate(done));
  gc.disconnect();
  await profiler?.(root);
  if (process.env.AGENT_CPU_COUNT) {
    const { createRequire } = await import('node:module');
    const { queryObjects } = await import('node:v8');
    const require = createRequire(resolve(root, 'packages/provider-pool/package.json'));
    const Request = require(resolve(require.resolve('undici'), '../lib/core/request.js'));
    console.log('undici Requests alive after the turns:', queryObjects(Request, { format: 'count' }));
  }
  await agent.close();
  return {
    cpuUsPerRequest: (used.user + used.system) / requests,
    systemUsPerRequest: used.system / requests,
    gcUsPerRequest: (gcMs * 1000) / requests,
    requestsPerSecond: (requests * 1000) / elapsed,
  };
}

// AGENT_CPU_PROF=<dir> writes a CPU profile of each client's measured turns (not its start or warm-up).
// With AGENT_CPU_HEAP=all it is a sampling heap profile of what the measured turns allocate instead.
async function startProfile(heap) {
  const { Session } = await import('node:inspector/promises');
  const { writeFile } = await import('node:fs/promises');
  const session = new Session();
  session.connect();
  if (heap) {
    await session.post('HeapProfiler.startSampling', {
      samplingInterval: 4096,
      // AGENT_CPU_HEAP=live: only what is still alive at the end (what the turns retain); =old: what lived
      // long enough to reach the old generation.
      includeObjectsCollectedByMajorGC: heap !== 'live',
      includeObjectsCollectedByMinorGC: heap === 'all',
    });
    return async (root) => {
      const { profile } = await session.post('HeapProfiler.stopSampling');
      const name = `${root.replace(/\W+/g, '_')}-${process.pid}.heapprofile`;
      await writeFile(resolve(process.env.AGENT_CPU_PROF, name), JSON.stringify(profile));
      session.disconnect();
    };
  }
  await session.post('Profiler.enable');
  await session.post('Profiler.setSamplingInterval', { interval: 200 });
  await session.post('Profiler.start');
  return async (root) => {
    const { profile } = await session.post('Profiler.stop');
    const name = `${root.replace(/\W+/g, '_')}-${process.pid}.cpuprofile`;
    await writeFile(resolve(process.env.AGENT_CPU_PROF, name), JSON.stringify(profile));
    session.disconnect();
  };
}

function fromChild(args) {
  return new Promise((resolvePromise, reject) => {
    const child = fork(fileURLToPath(import.meta.url), args, {
      stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
      // AGENT_CPU_EXEC runs the clients through another executable (a wrapper that runs node under strace).
      ...(args[0] === '--client' && process.env.AGENT_CPU_EXEC
        ? { execPath: process.env.AGENT_CPU_EXEC }
        : {}),
    });
    child.once('message', (message) => resolvePromise({ child, message }));
    child.once('error', reject);
    child.once('exit', (code) => code !== 0 && reject(new Error(`child exited with ${code}`)));
  });
}

const median = (values) => {
  const sorted = [...values].sort((a, b) => a - b);
  const middle = sorted.length >> 1;
  return sorted.length % 2 ? sorted[middle] : (sorted[middle - 1] + sorted[middle]) / 2;
};
const summary = (values, digits) =>
  `${median(values).toFixed(digits)} (${Math.min(...values).toFixed(digits)}-${Math.max(...values).toFixed(digits)})`;

const argv = process.argv.slice(2);
const option = (name, fallback) => {
  const at = argv.indexOf(name);
  if (at < 0) return fallback;
  const [value] = argv.splice(at, 2).slice(1);
  return Number(value);
};

if (argv[0] === '--server') {
  const { createLoopbackServer } = await import(
    pathToFileURL(resolve(repoRoot, 'packages/provider-pool/dist/testing.js')).href
  );
  const server = await createLoopbackServer({
    recordRequests: 0,
    reply: () => ({ text: REPLY, chunkSize: 24, usage: { inputTokens: 40, outputTokens: 90 } }),
  });
  process.once('message', () => void server.close().then(() => process.exit(0)));
  process.send({ baseURL: server.baseURL });
} else if (argv[0] === '--client') {
  const requests = option('--requests', 20000);
  const result = await runClient(argv[1], argv[2], requests);
  process.send(result);
  process.disconnect();
} else {
  const requests = option('--requests', 20000);
  const rounds = option('--rounds', 5);
  const roots =
    argv.length > 0 ? argv.map((root) => root.replace(/^[^#]+/, (dir) => resolve(dir))) : [repoRoot];
  const { child: server, message } = await fromChild(['--server']);
  const results = roots.map(() => ({ cpu: [], system: [], gc: [], rps: [] }));
  for (let round = 0; round < rounds; round++) {
    for (const [i, root] of roots.entries()) {
      const { child, message: result } = await fromChild([
        '--client',
        root,
        message.baseURL,
        '--requests',
        String(requests),
      ]);
      await new Promise((done) => child.once('exit', done));
      results[i].cpu.push(result.cpuUsPerRequest);
      results[i].system.push(result.systemUsPerRequest);
      results[i].gc.push(result.gcUsPerRequest);
      results[i].rps.push(result.requestsPerSecond);
      console.log(
        `round ${round + 1} ${root}: ${result.cpuUsPerRequest.toFixed(1)} us/request (system ${result.systemUsPerRequest.toFixed(1)}, GC ${result.gcUsPerRequest.toFixed(1)}), ${result.requestsPerSecond.toFixed(0)} requests/s`,
      );
    }
  }
  server.send('close');
  console.log(`\n${rounds} rounds x ${requests} turns, concurrency ${CONCURRENCY}; median (min-max)`);
  for (const [i, root] of roots.entries()) {
    console.log(
      `${root}: CPU ${summary(results[i].cpu, 1)} us/request (system ${summary(results[i].system, 1)}, GC ${summary(results[i].gc, 1)}), throughput ${summary(results[i].rps, 0)} requests/s`,
    );
  }
  // Each round's figures against the first root's in the same round: the load of a shared machine drifts
  // between rounds more than between the two runs of one round.
  for (const [i, root] of roots.entries()) {
    if (i === 0) continue;
    const ratio = (key) => results[i][key].map((value, round) => value / results[0][key][round]);
    console.log(
      `${root} / ${roots[0]} per round: CPU ${summary(ratio('cpu'), 3)}, throughput ${summary(ratio('rps'), 3)}`,
    );
  }
}
