import { type ChildProcess, fork } from 'node:child_process';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { ClientCommand, RunResult } from './client-process.js';
import type { ClientKind } from './clients.js';

// The child entry points are built files; from the sources (under vitest) use the app's dist.
const here = dirname(fileURLToPath(import.meta.url));
const distDir = here.endsWith('src') ? join(here, '..', 'dist') : here;

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
  const child = fork(join(distDir, 'server-process.js'), [JSON.stringify(options)], {
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
  });
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
  const child = fork(join(distDir, 'client-process.js'), [], {
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
    execArgv: ['--expose-gc'],
  });
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
  const child = fork(join(distDir, 'extras-process.js'), [scenario, server.baseURL, String(quick)], {
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
    execArgv: ['--expose-gc'],
  });
  child.on('message', (message: { type: string }) => {
    if (message.type === 'need-stats')
      void server.stats().then((stats) => child.send({ type: 'stats', ...stats }));
  });
  const answer = await waitFor<{ result: unknown }>(child, 'extra-result');
  return answer.result;
}
