// The `gateway` scenario: the same chat call sent to the loopback model directly, through a
// victor-gateway process and through Portkey's open-source gateway (@portkey-ai/gateway 1.15.2, a
// devDependency of this app) configured for the same model; then one against two victor-gateway processes
// on one Redis with rate limiting on. Every gateway, the model and every client run in their own process;
// the clients take turns in rounds (rotated each round); figures are per pass, then the median over passes
// with the range of the passes. "Added" is a client's percentile minus the direct client's in the same pass.
import { type ChildProcess, fork, spawn } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { hashApiKey } from '@victor-ai/gateway';
import type { GatewayClientCommand, GatewayClientResult } from './gateway-client.js';
import { startServerProcess } from './processes.js';
import { median, percentile, round, sorted } from './stats.js';

const here = dirname(fileURLToPath(import.meta.url));
const distDir = here.endsWith('src') ? join(here, '..', 'dist') : here;
const require = createRequire(import.meta.url);

/** The gateway's goals (docs/decisions.md), written next to the figures. */
export const GATEWAY_GOALS = { addedP50Us: 60, throughputRatio: 0.7 } as const;

const LIMITED_KEY = 'sk-bench-limited';
const OPEN_KEY = 'sk-bench-open';

interface Settings {
  passes: number;
  rounds: number;
  sequential: number;
  streamSequential: number;
  concurrentRequests: number;
  concurrency: number;
  warmup: number;
}

function settingsFor(quick: boolean): Settings {
  return quick
    ? {
        passes: 1,
        rounds: 1,
        sequential: 100,
        streamSequential: 40,
        concurrentRequests: 400,
        concurrency: 64,
        warmup: 200,
      }
    : {
        passes: 3,
        rounds: 3,
        sequential: 600,
        streamSequential: 200,
        concurrentRequests: 4_000,
        concurrency: 64,
        warmup: 2_000,
      };
}

function freePort(): Promise<number> {
  return new Promise((resolvePromise, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() => resolvePromise(typeof address === 'object' && address ? address.port : 0));
    });
  });
}

/** Spawns `node args...` and resolves once stdout matches `pattern` (its first group: the URL). */
function startProcess(
  args: string[],
  pattern: RegExp,
  env: NodeJS.ProcessEnv = {},
): Promise<{ child: ChildProcess; url: string }> {
  return new Promise((resolvePromise, reject) => {
    const child = spawn(process.execPath, args, {
      env: { ...process.env, ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let output = '';
    const onData = (text: Buffer) => {
      output += text.toString('utf8');
      const match = pattern.exec(output);
      if (match) {
        child.stdout!.off('data', onData);
        child.stdout!.resume();
        child.off('exit', onExit);
        clearTimeout(timer);
        resolvePromise({ child, url: match[1]! });
      }
    };
    const onExit = (code: number | null) =>
      reject(new Error(`${args[0]} exited with ${code}: ${output.slice(-500)}`));
    child.stdout!.on('data', onData);
    // Portkey logs every failed request; keep the last lines for the report instead of the console.
    child.stderr!.on('data', (text: Buffer) => {
      output = (output + text.toString('utf8')).slice(-4_000);
    });
    child.once('exit', onExit);
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`${args[0]} did not start within 60 s: ${output.slice(-500)}`));
    }, 60_000);
    timer.unref();
  });
}

interface Client {
  name: string;
  run(body: string, stream: boolean, count: number, concurrency: number): Promise<GatewayClientResult>;
  close(): Promise<void>;
}

async function startClient(
  name: string,
  origins: string[],
  headers: Record<string, string>,
  path = '/v1/chat/completions',
): Promise<Client> {
  const child = fork(join(distDir, 'gateway-client.js'), [], {
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
  });
  const next = <T>(type: string) =>
    new Promise<T>((resolvePromise, reject) => {
      const onMessage = (message: { type: string }) => {
        if (message.type !== type) return;
        child.off('message', onMessage);
        child.off('exit', onExit);
        resolvePromise(message as T);
      };
      const onExit = (code: number | null) => reject(new Error(`the ${name} client exited with ${code}`));
      child.on('message', onMessage);
      child.once('exit', onExit);
    });
  const ready = next('ready');
  child.send({ type: 'init', origins, path, headers, connections: 64 } satisfies GatewayClientCommand);
  await ready;
  return {
    name,
    async run(body, stream, count, concurrency) {
      const answer = next<GatewayClientResult>('result');
      child.send({ type: 'run', body, stream, count, concurrency } satisfies GatewayClientCommand);
      return answer;
    },
    async close() {
      const exited = new Promise((resolvePromise) => child.once('exit', resolvePromise));
      child.send({ type: 'close' } satisfies GatewayClientCommand);
      await exited;
    },
  };
}

async function startVictorGateway(config: object): Promise<{ child: ChildProcess; url: string }> {
  const dir = mkdtempSync(join(tmpdir(), 'bench-gateway-'));
  const file = join(dir, 'gateway.json');
  writeFileSync(file, JSON.stringify(config));
  const bin = join(dirname(require.resolve('@victor-ai/gateway/package.json')), 'bin', 'victor-gateway.mjs');
  return startProcess([bin, '--config', file, '--port', '0'], /listening on (http:\/\/[\d.:]+)/);
}

async function startPortkey(): Promise<{ child: ChildProcess; url: string }> {
  const root = dirname(require.resolve('@portkey-ai/gateway/package.json'));
  const port = await freePort();
  const started = await startProcess(
    [join(root, 'build', 'start-server.js'), `--port=${port}`, '--headless'],
    /(Ready for connections)/,
    { NODE_ENV: 'production' },
  );
  return { child: started.child, url: `http://127.0.0.1:${port}` };
}

function stop(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null) return Promise.resolve();
  const exited = new Promise<void>((resolvePromise) => child.once('exit', () => resolvePromise()));
  child.kill('SIGTERM');
  const timer = setTimeout(() => child.kill('SIGKILL'), 3_000);
  return exited.finally(() => clearTimeout(timer));
}

const chatBody = (model: string, stream: boolean) =>
  JSON.stringify({
    model,
    temperature: 0.7,
    ...(stream ? { stream: true } : {}),
    messages: [{ role: 'user', content: 'hello gateway bench' }],
  });

interface PassFigures {
  p50Us: number;
  p99Us: number;
  rps: number;
  firstByteP50Us?: number;
  cpuUsPerRequest: number;
}

/** One pass of one client on one route: c=1 latencies and c=64 throughput, summed over the rounds. */
interface Accumulator {
  samples: number[];
  firstByte: number[];
  requests: number;
  elapsedMs: number;
  errors: number;
  firstError?: string;
}

const emptyAccumulator = (): Accumulator => ({
  samples: [],
  firstByte: [],
  requests: 0,
  elapsedMs: 0,
  errors: 0,
});

function summarise(accumulator: Accumulator): PassFigures {
  const ordered = sorted(accumulator.samples);
  const figures: PassFigures = {
    p50Us: percentile(ordered, 50),
    p99Us: percentile(ordered, 99),
    rps: accumulator.requests / (accumulator.elapsedMs / 1000),
    cpuUsPerRequest: 0,
  };
  if (accumulator.firstByte.length > 0)
    figures.firstByteP50Us = percentile(sorted(accumulator.firstByte), 50);
  return figures;
}

interface Target {
  name: string;
  client: Client;
  model: string;
}

/** Runs `rounds` rotated rounds of every target on both routes; returns per-target, per-route pass figures. */
async function measurePass(targets: Target[], settings: Settings, routes: Array<'plain' | 'stream'>) {
  const totals = new Map<string, Accumulator>();
  const key = (target: string, route: string) => `${target}/${route}`;
  for (let roundIndex = 0; roundIndex < settings.rounds; roundIndex++) {
    for (let offset = 0; offset < targets.length; offset++) {
      const target = targets[(offset + roundIndex) % targets.length]!;
      for (const route of routes) {
        const stream = route === 'stream';
        const body = chatBody(target.model, stream);
        const total = totals.get(key(target.name, route)) ?? emptyAccumulator();
        totals.set(key(target.name, route), total);
        const sequential = await target.client.run(
          body,
          stream,
          stream ? settings.streamSequential : settings.sequential,
          1,
        );
        const concurrent = await target.client.run(
          body,
          stream,
          Math.round(settings.concurrentRequests / (stream ? 2 : 1)),
          settings.concurrency,
        );
        total.samples.push(...sequential.samplesUs);
        total.firstByte.push(...sequential.firstByteUs);
        total.requests += concurrent.requests;
        total.elapsedMs += concurrent.elapsedMs;
        total.errors += sequential.errors + concurrent.errors;
        total.firstError ??= sequential.firstError ?? concurrent.firstError;
      }
    }
  }
  const figures: Record<string, Record<string, PassFigures>> = {};
  for (const target of targets) {
    figures[target.name] = {};
    for (const route of routes) {
      const total = totals.get(key(target.name, route))!;
      if (total.errors > 0)
        throw new Error(
          `gateway scenario: ${target.name} (${route}) had ${total.errors} failed requests: ${total.firstError}`,
        );
      figures[target.name]![route] = summarise(total);
    }
  }
  return figures;
}

const NEGATIVE_NOTE = 'a negative added figure is inside the noise of this machine, not a speed-up';

const range = (values: number[]) => [round(Math.min(...values)), round(Math.max(...values))];

/** Medians over passes of a client's figures against the direct client's of the same pass. */
function compare(passes: Array<Record<string, Record<string, PassFigures>>>, name: string, route: string) {
  const added = (field: 'p50Us' | 'p99Us' | 'firstByteP50Us') =>
    passes.map(
      (pass) => (pass[name]![route]![field] ?? Number.NaN) - (pass.direct![route]![field] ?? Number.NaN),
    );
  const ratios = passes.map((pass) => pass[name]![route]!.rps / pass.direct![route]!.rps);
  const addedP50 = added('p50Us');
  const addedP99 = added('p99Us');
  const result: Record<string, unknown> = {
    addedP50Us: round(median(addedP50)),
    addedP50RangeUs: range(addedP50),
    addedP99Us: round(median(addedP99)),
    addedP99RangeUs: range(addedP99),
    ratio: round(median(ratios), 3),
    ratioRange: [round(Math.min(...ratios), 3), round(Math.max(...ratios), 3)],
    p50Us: round(median(passes.map((pass) => pass[name]![route]!.p50Us))),
    p99Us: round(median(passes.map((pass) => pass[name]![route]!.p99Us))),
    rps: round(median(passes.map((pass) => pass[name]![route]!.rps))),
  };
  if (route === 'stream') result.addedFirstByteP50Us = round(median(added('firstByteP50Us')));
  if ((result.addedP50Us as number) < 0) result.note = NEGATIVE_NOTE;
  return result;
}

/** Portkey 1.15.2 on this Node: a probe of each route, so a route it cannot serve is reported, not fatal. */
async function probe(client: Client, model: string, stream: boolean): Promise<string | undefined> {
  const result = await client.run(chatBody(model, stream), stream, 1, 1);
  return result.errors > 0 ? result.firstError : undefined;
}

/** Runs the gateway scenario; `redisUrl` (else VICTOR_REDIS_URL / REDIS_URL) enables the two-process part. */
export async function gatewayScenario(
  quick: boolean,
  redisUrl = process.env.VICTOR_REDIS_URL ?? process.env.REDIS_URL,
) {
  const settings = settingsFor(quick);
  const model = await startServerProcess();
  const processes: ChildProcess[] = [];
  const clients: Client[] = [];
  try {
    const modelOrigin = new URL(model.url).origin;
    const baseConfig = {
      endpoints: { model: { type: 'openai-compatible', baseURL: model.baseURL, model: 'loopback-1' } },
      routes: [{ alias: 'bench', endpoints: ['model'] }],
      keys: [
        { id: 'limited', hash: hashApiKey(LIMITED_KEY), requestsPerMinute: 1_000_000_000 },
        { id: 'open', hash: hashApiKey(OPEN_KEY) },
      ],
      cache: { type: 'memory' },
      logging: { level: 'error' },
    };
    const victor = await startVictorGateway(baseConfig);
    processes.push(victor.child);
    // A peer that cannot start is reported with its error; the rest of the scenario still runs.
    const portkey = await startPortkey().catch((error: unknown) =>
      error instanceof Error ? error : new Error(String(error)),
    );
    if (!(portkey instanceof Error)) processes.push(portkey.child);
    const json = { 'content-type': 'application/json' };
    const direct = await startClient('direct', [modelOrigin], json);
    const victorClient = await startClient('victor', [victor.url], {
      ...json,
      authorization: `Bearer ${LIMITED_KEY}`,
    });
    const portkeyClient =
      portkey instanceof Error
        ? undefined
        : await startClient('portkey', [portkey.url], {
            ...json,
            authorization: 'Bearer unused',
            'x-portkey-provider': 'openai',
            'x-portkey-custom-host': model.baseURL,
          });
    clients.push(direct, victorClient, ...(portkeyClient ? [portkeyClient] : []));
    const targets: Target[] = [
      { name: 'direct', client: direct, model: 'loopback-1' },
      { name: 'victor', client: victorClient, model: 'bench' },
      ...(portkeyClient ? [{ name: 'portkey', client: portkeyClient, model: 'loopback-1' }] : []),
    ];
    const startFailure = portkey instanceof Error ? `it did not start: ${portkey.message}` : undefined;
    const portkeyStreamFailure = startFailure ?? (await probe(portkeyClient!, 'loopback-1', true));
    const portkeyPlainFailure = startFailure ?? (await probe(portkeyClient!, 'loopback-1', false));
    // Warm-up (JIT) of every process on every route it is measured on.
    for (const target of targets) {
      for (const stream of [false, true]) {
        if (target.name === 'portkey' && (stream ? portkeyStreamFailure : portkeyPlainFailure)) continue;
        await target.client.run(chatBody(target.model, stream), stream, settings.warmup, 8);
      }
    }
    const plainPasses: Array<Record<string, Record<string, PassFigures>>> = [];
    const streamPasses: Array<Record<string, Record<string, PassFigures>>> = [];
    const withoutPortkey = targets.filter((target) => target.name !== 'portkey');
    for (let pass = 0; pass < settings.passes; pass++) {
      plainPasses.push(
        await measurePass(portkeyPlainFailure ? withoutPortkey : targets, settings, ['plain']),
      );
      streamPasses.push(
        await measurePass(portkeyStreamFailure ? withoutPortkey : targets, settings, ['stream']),
      );
    }
    const portkeyFigures = (
      route: 'plain' | 'stream',
      failure: string | undefined,
      passes: typeof plainPasses,
    ) =>
      failure
        ? {
            skipped: `@portkey-ai/gateway 1.15.2 failed this route on Node ${process.versions.node}: ${failure}`,
          }
        : compare(passes, 'portkey', route);
    const victorPlain = compare(plainPasses, 'victor', 'plain');
    const report: Record<string, unknown> = {
      direct: {
        plain: {
          p50Us: round(median(plainPasses.map((p) => p.direct!.plain!.p50Us))),
          p99Us: round(median(plainPasses.map((p) => p.direct!.plain!.p99Us))),
          rps: round(median(plainPasses.map((p) => p.direct!.plain!.rps))),
        },
        stream: {
          p50Us: round(median(streamPasses.map((p) => p.direct!.stream!.p50Us))),
          p99Us: round(median(streamPasses.map((p) => p.direct!.stream!.p99Us))),
          rps: round(median(streamPasses.map((p) => p.direct!.stream!.rps))),
        },
      },
      victor: { plain: victorPlain, stream: compare(streamPasses, 'victor', 'stream') },
      portkey: {
        plain: portkeyFigures('plain', portkeyPlainFailure, plainPasses),
        stream: portkeyFigures('stream', portkeyStreamFailure, streamPasses),
      },
      goals: {
        ...GATEWAY_GOALS,
        addedP50Met: (victorPlain.addedP50Us as number) <= GATEWAY_GOALS.addedP50Us,
        throughputRatioMet: (victorPlain.ratio as number) >= GATEWAY_GOALS.throughputRatio,
      },
    };
    for (const client of clients.splice(1)) await client.close();
    await Promise.all(processes.splice(0).map(stop));
    report.scaleOut = redisUrl
      ? await scaleOut(baseConfig, redisUrl, settings, modelOrigin)
      : {
          skipped:
            'no Redis: set VICTOR_REDIS_URL (or REDIS_URL) to measure one against two gateway processes',
        };
    report.settings = {
      ...settings,
      passes: settings.passes,
      victor:
        'victor-gateway: a key limited to 1e9 requests per minute (memory store), response cache on (memory), the request at temperature 0.7 so every call reaches the model',
      portkey:
        '@portkey-ai/gateway 1.15.2 (node build/start-server.js --headless, NODE_ENV=production), x-portkey-provider: openai and x-portkey-custom-host: the loopback model; no auth, limits or cache configured (its open-source build has none to turn on per key)',
      scaleOut:
        'victor-gateway processes with rateLimits.store redis on one Redis; the client sends to them in turn',
    };
    return report;
  } finally {
    for (const client of clients) await client.close().catch(() => {});
    await Promise.all(processes.map(stop));
    await model.close();
  }
}

/** One against two victor-gateway processes on one Redis (rate limiting on): throughput and the limiter's added p50. */
async function scaleOut(baseConfig: object, redisUrl: string, settings: Settings, modelOrigin: string) {
  const config = {
    ...baseConfig,
    redis: { url: redisUrl, keyPrefix: `bench-gateway-${process.pid}-${Date.now()}` },
    rateLimits: { store: 'redis' },
  };
  const gateways = [await startVictorGateway(config), await startVictorGateway(config)];
  const clients: Client[] = [];
  try {
    const json = { 'content-type': 'application/json' };
    const direct = await startClient('direct', [modelOrigin], json);
    const one = await startClient('one', [gateways[0]!.url], {
      ...json,
      authorization: `Bearer ${LIMITED_KEY}`,
    });
    const two = await startClient(
      'two',
      gateways.map((gateway) => gateway.url),
      { ...json, authorization: `Bearer ${LIMITED_KEY}` },
    );
    const unlimited = await startClient('unlimited', [gateways[0]!.url], {
      ...json,
      authorization: `Bearer ${OPEN_KEY}`,
    });
    clients.push(direct, one, two, unlimited);
    const body = chatBody('bench', false);
    for (const client of clients)
      await client.run(client === direct ? chatBody('loopback-1', false) : body, false, settings.warmup, 8);
    const passes: Array<Record<string, number>> = [];
    for (let pass = 0; pass < settings.passes; pass++) {
      const rps: Record<string, number[]> = { direct: [], one: [], two: [] };
      const p50: Record<string, number[]> = { one: [], unlimited: [] };
      for (let roundIndex = 0; roundIndex < settings.rounds; roundIndex++) {
        const order = roundIndex % 2 === 0 ? [direct, one, two] : [two, one, direct];
        for (const client of order) {
          const result = await client.run(
            client === direct ? chatBody('loopback-1', false) : body,
            false,
            settings.concurrentRequests,
            settings.concurrency,
          );
          if (result.errors > 0) throw new Error(`gateway scale-out: ${client.name}: ${result.firstError}`);
          rps[client.name]!.push(result.requests / (result.elapsedMs / 1000));
        }
        for (const client of roundIndex % 2 === 0 ? [one, unlimited] : [unlimited, one]) {
          const result = await client.run(body, false, settings.sequential, 1);
          if (result.errors > 0) throw new Error(`gateway scale-out: ${client.name}: ${result.firstError}`);
          p50[client.name]!.push(...result.samplesUs);
        }
      }
      const total = (values: number[]) => values.reduce((sum, value) => sum + value, 0) / values.length;
      passes.push({
        directRps: total(rps.direct!),
        oneProcessRps: total(rps.one!),
        twoProcessesRps: total(rps.two!),
        limiterAddedP50Us: percentile(sorted(p50.one!), 50) - percentile(sorted(p50.unlimited!), 50),
      });
    }
    const pick = (field: string) => passes.map((pass) => pass[field]!);
    return {
      oneProcessRps: round(median(pick('oneProcessRps'))),
      twoProcessesRps: round(median(pick('twoProcessesRps'))),
      twoOverOne: round(median(passes.map((pass) => pass.twoProcessesRps! / pass.oneProcessRps!)), 3),
      oneProcessRatio: round(median(passes.map((pass) => pass.oneProcessRps! / pass.directRps!)), 3),
      twoProcessesRatio: round(median(passes.map((pass) => pass.twoProcessesRps! / pass.directRps!)), 3),
      limiterAddedP50Us: round(median(pick('limiterAddedP50Us'))),
      limiterAddedP50RangeUs: range(pick('limiterAddedP50Us')),
      note: `the limiter's added p50: the same gateway, a key with a Redis-backed request limit against a key with none${median(pick('limiterAddedP50Us')) < 0 ? `; ${NEGATIVE_NOTE}` : ''}`,
    };
  } finally {
    for (const client of clients) await client.close().catch(() => {});
    await Promise.all(gateways.map((gateway) => stop(gateway.child)));
  }
}
