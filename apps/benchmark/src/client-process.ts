// Child process: one measured client. The orchestrator sends `init` then `run` commands over IPC and gets
// latency samples (microseconds), elapsed time and CPU time back, so that clients never share a process.
import { type BenchClient, type ClientKind, createClient } from './clients.js';

/** A command from the orchestrator. */
export type ClientCommand =
  | { type: 'init'; kind: ClientKind; url: string; baseURL: string; connections: number }
  | { type: 'run'; mode: 'chat' | 'stream'; count: number; concurrency: number }
  | { type: 'close' };

/** The answer to a `run`. */
export interface RunResult {
  type: 'result';
  samplesUs: number[];
  /** Streams only: microseconds to the end of each stream. */
  totalUs: number[];
  elapsedMs: number;
  cpuUs: number;
  errors: number;
  firstError?: string;
}

let client: BenchClient | undefined;

async function run(mode: 'chat' | 'stream', count: number, concurrency: number): Promise<RunResult> {
  const samplesUs: number[] = [];
  const totalUs: number[] = [];
  let errors = 0;
  let firstError: string | undefined;
  let next = 0;
  const cpuStart = process.cpuUsage();
  const started = performance.now();
  const worker = async () => {
    while (next < count) {
      next++;
      const begin = performance.now();
      try {
        if (mode === 'chat') {
          await client!.chat();
          samplesUs.push((performance.now() - begin) * 1000);
        } else {
          const timing = await client!.stream();
          samplesUs.push(timing.ttftMs * 1000);
          totalUs.push(timing.totalMs * 1000);
        }
      } catch (error) {
        errors++;
        firstError ??= error instanceof Error ? error.message : String(error);
      }
    }
  };
  await Promise.all(Array.from({ length: concurrency }, worker));
  const elapsedMs = performance.now() - started;
  const cpu = process.cpuUsage(cpuStart);
  const result: RunResult = {
    type: 'result',
    samplesUs,
    totalUs,
    elapsedMs,
    cpuUs: cpu.user + cpu.system,
    errors,
  };
  if (firstError !== undefined) result.firstError = firstError;
  return result;
}

process.on('message', (command: ClientCommand) => {
  void (async () => {
    if (command.type === 'init') {
      client = await createClient(command.kind, command.url, command.baseURL, command.connections);
      process.send?.({ type: 'ready' });
    } else if (command.type === 'run') {
      process.send?.(await run(command.mode, command.count, command.concurrency));
    } else {
      await client?.close();
      process.exit(0);
    }
  })().catch((error: unknown) => {
    process.send?.({ type: 'fatal', message: error instanceof Error ? error.stack : String(error) });
  });
});
