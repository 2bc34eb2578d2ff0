import { type ChildProcess, execFileSync, fork, spawn } from 'node:child_process';
import { availableParallelism } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { ClientCommand, RunResult } from './client-process.js';
import type { ClientKind } from './clients.js';

// The child entry points are built files; from the sources (under vitest) use the app's dist.
const here = dirname(fileURLToPath(import.meta.url));
const distDir = here.endsWith('src') ? join(here, '..', 'dist') : here;

/**
 * Where each process runs. Pinning the server to one core and the clients to the other (what this app did
 * before) made every request wake an idle virtual core twice: on the 2-core machine a raw undici call took
 * 540-630 us p50 that way, 179 us with server and client pinned to the same core, and 100-190 us left to the
 * scheduler (3,000 calls and 4 s of warm-up each, a loaded machine; /tmp experiment of 2026-12-02). The
 * default is therefore to leave placement to the scheduler, like a plain separate-process client; every
 * client still runs in its own process and the rounds are interleaved, so placement hits all alike.
 * `VICTOR_BENCH_PLACEMENT=split` (server on cpu 0, clients on cpu 1) or `shared` (all on cpu 1) pins them
 * with `taskset`, to compare.
 */
const placement: { server: string; client: string } | undefined = (() => {
  const wanted = process.env.VICTOR_BENCH_PLACEMENT ?? 'none';
  if (wanted !== 'split' && wanted !== 'shared') return undefined;
  if (availableParallelism() < 2 || process.platform !== 'linux') return undefined;
  try {
    execFileSync('taskset', ['-p', String(process.pid)], { stdio: 'ignore' });
    return wanted === 'split' ? { server: '0', client: '1' } : { server: '1', client: '1' };
  } catch {
    return undefined;
  }
})();

/** Starts a node script as a child with IPC, pinned to `cpu` when placement is on. */
function startChild(
  script: string,
  args: string[],
  cpu: string | undefined,
  execArgv: string[] = [],
): ChildProcess {
  const stdio: ['ignore', 'inherit', 'inherit', 'ipc'] = ['ignore', 'inherit', 'inherit', 'ipc'];
  if (cpu === undefined) return fork(script, args, { stdio, execArgv });
  return spawn('taskset', ['-c', cpu, process.execPath, ...execArgv, script, ...args], { stdio });
}

/** The CPU placement used, for the report. */
export function cpuPlacement(): string {
  return placement
    ? `server on cpu ${placement.server}, clients on cpu ${placement.client} (taskset)`
    : 'left to the scheduler';
}

function waitFor<T>(child: ChildProcess, type: string): Promise<T> {
  return new Promise((resolve, reject) => {
    const onMessage = (message: { type: string; message?: string }) => {
      if (message.type === type) {
        cleanup();
        resolve(message as T);
      } else if (message.type === 'fatal') {
        cleanup();
        reject(new Error(message.message));
      }
    };
    const onExit = (code: number | null) => {
      cleanup();
      reject(new Error(`benchmark child exited with ${code} while waiting for ${type}`));
    };
    const cleanup = () => {
      child.off('message', onMessage);
      child.off('exit', onExit);
    };
    child.on('message', onMessage);
    child.on('exit', onExit);
  });
}

/** The loopback provider in its own process. */
export interface ServerProcess {
  url: string;
  baseURL: string;
  configure(timing: { latencyMs?: number; ttftMs?: number; chunkGapMs?: number }): Promise<void>;
  stats(): Promise<{ requestCount: number; connectionCount: number }>;
  close(): Promise<void>;
}

/** Starts the loopback provider in a child process. */
export async function startServerProcess(options: Record<string, unknown> = {}): Promise<ServerProcess> {
  const child = startChild(join(distDir, 'server-process.js'), [JSON.stringify(options)], placement?.server);
  const ready = await waitFor<{ url: string; baseURL: string }>(child, 'ready');
  return {
    url: ready.url,
    baseURL: ready.baseURL,
    async configure(timing) {
      child.send({ type: 'configure', timing });
      await waitFor(child, 'configured');
    },
    async stats() {
      child.send({ type: 'stats' });
      return waitFor(child, 'stats');
    },
    async close() {
      const exited = new Promise((resolve) => child.once('exit', resolve));
      child.send({ type: 'close' });
      await exited;
    },
  };
}

/** A measured client in its own process. */
export interface ClientProcess {
  kind: string;
  run(mode: 'chat' | 'stream', count: number, concurrency: number): Promise<RunResult>;
  close(): Promise<void>;
}

/** Starts a client process of the given kind against the server. */
export async function startClientProcess(
  kind: ClientKind,
  server: Pick<ServerProcess, 'url' | 'baseURL'>,
  connections: number,
): Promise<ClientProcess> {
  const child = startChild(join(distDir, 'client-process.js'), [], placement?.client, ['--expose-gc']);
  const init: ClientCommand = { type: 'init', kind, url: server.url, baseURL: server.baseURL, connections };
  child.send(init);
  await waitFor(child, 'ready');
  return {
    kind,
    async run(mode, count, concurrency) {
      const command: ClientCommand = { type: 'run', mode, count, concurrency };
      child.send(command);
      const result = await waitFor<RunResult>(child, 'result');
      if (result.errors > 0)
        throw new Error(`${kind} client: ${result.errors} of ${count} requests failed: ${result.firstError}`);
      return result;
    },
    async close() {
      const exited = new Promise((resolve) => child.once('exit', resolve));
      child.send({ type: 'close' } satisfies ClientCommand);
      await exited;
    },
  };
}

/** Runs one of the other scenarios in a fresh child process (with --expose-gc) and returns its result. */
export async function runExtraScenario(
  scenario: string,
  server: ServerProcess,
  quick: boolean,
): Promise<unknown> {
  const child = startChild(
    join(distDir, 'extras-process.js'),
    [scenario, server.baseURL, String(quick)],
    // The executor scenario needs both cores: its worker threads must not share the measured thread's.
    scenario === 'executor' ? undefined : placement?.client,
    ['--expose-gc'],
  );
  child.on('message', (message: { type: string }) => {
    if (message.type === 'need-stats')
      void server.stats().then((stats) => child.send({ type: 'stats', ...stats }));
  });
  const answer = await waitFor<{ result: unknown }>(child, 'extra-result');
  return answer.result;
}
