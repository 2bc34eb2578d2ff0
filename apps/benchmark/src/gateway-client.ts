// Child process of the gateway scenario: one client (direct, victor, portkey...) in its own process, with
// its own undici Pools. Commands arrive over IPC; `run` answers with latency samples (concurrency 1) or
// the requests done, the wall time and this process's CPU time (higher concurrency).
import { Pool } from 'undici';

/** A command to a gateway client process. */
export type GatewayClientCommand =
  | {
      type: 'init';
      /** Origins the requests go to, in turn (two gateway processes behind one client: two origins). */
      origins: string[];
      path: string;
      headers: Record<string, string>;
      connections: number;
    }
  | { type: 'run'; body: string; stream: boolean; count: number; concurrency: number }
  | { type: 'close' };

/** What `run` answers. */
export interface GatewayClientResult {
  type: 'result';
  /** Whole-request latencies (concurrency 1 only), microseconds. */
  samplesUs: number[];
  /** Time to the first body bytes (concurrency 1, streams), microseconds. */
  firstByteUs: number[];
  requests: number;
  elapsedMs: number;
  cpuUs: number;
  errors: number;
  firstError?: string;
}

let pools: Pool[] = [];
let path = '/v1/chat/completions';
let headers: Record<string, string> = {};

async function once(pool: Pool, body: string, stream: boolean, firstByte?: number[]): Promise<void> {
  const start = firstByte ? performance.now() : 0;
  const response = await pool.request({ method: 'POST', path, headers, body });
  if (response.statusCode !== 200) {
    const text = await response.body.text();
    throw new Error(`HTTP ${response.statusCode}: ${text.slice(0, 300)}`);
  }
  if (!stream) {
    JSON.parse(await response.body.text());
    return;
  }
  let seenFirst = false;
  let tail = '';
  for await (const chunk of response.body) {
    if (!seenFirst && firstByte) {
      firstByte.push((performance.now() - start) * 1000);
      seenFirst = true;
    }
    tail = (tail + chunk.toString('utf8')).slice(-64);
  }
  if (!tail.includes('[DONE]') && !tail.includes('message_stop')) throw new Error('the stream ended early');
}

async function run(command: Extract<GatewayClientCommand, { type: 'run' }>): Promise<GatewayClientResult> {
  const samplesUs: number[] = [];
  const firstByteUs: number[] = [];
  let errors = 0;
  let firstError: string | undefined;
  let next = 0;
  const cpuStart = process.cpuUsage();
  const started = performance.now();
  await Promise.all(
    Array.from({ length: command.concurrency }, async () => {
      while (next < command.count) {
        const index = next++;
        const pool = pools[index % pools.length]!;
        const start = performance.now();
        try {
          await once(pool, command.body, command.stream, command.concurrency === 1 ? firstByteUs : undefined);
          if (command.concurrency === 1) samplesUs.push((performance.now() - start) * 1000);
        } catch (error) {
          errors++;
          firstError ??= error instanceof Error ? error.message : String(error);
        }
      }
    }),
  );
  const elapsedMs = performance.now() - started;
  const cpu = process.cpuUsage(cpuStart);
  return {
    type: 'result',
    samplesUs,
    firstByteUs,
    requests: command.count - errors,
    elapsedMs,
    cpuUs: cpu.user + cpu.system,
    errors,
    ...(firstError === undefined ? {} : { firstError }),
  };
}

process.on('message', (command: GatewayClientCommand) => {
  if (command.type === 'init') {
    pools = command.origins.map((origin) => new Pool(origin, { connections: command.connections }));
    path = command.path;
    headers = command.headers;
    process.send?.({ type: 'ready' });
  } else if (command.type === 'run') {
    void run(command).then((result) => process.send?.(result));
  } else if (command.type === 'close') {
    void Promise.all(pools.map((pool) => pool.close())).then(() => process.exit(0));
  }
});
