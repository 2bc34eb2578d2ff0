import type { ChildProcess } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { buildForChildProcess, forkReady, packageRoot } from './cache-process.js';

// Its own bundle directory: the other two-process test file may be bundling into the shared one meanwhile.
const outDir = join(packageRoot, 'node_modules', '.cache', 'victor-cache-outage');

// A process that shares a TieredCache with another one: it writes its own keys with increasing versions
// and reads both its own and the other worker's keys, logging every write's completion time and every
// read's start time on a clock both processes share (epoch milliseconds, sub-millisecond resolution).
const WORKER = `
import { setTimeout as sleep } from 'node:timers/promises';
import { MemoryCache, TieredCache } from './index.js';
import { RedisCache } from './redis.js';
const { url, namespace, worker, maxStalenessMs, keys } = JSON.parse(process.argv[2]);
const now = () => performance.timeOrigin + performance.now();
const cache = new TieredCache({
  memory: new MemoryCache({ name: 'outage-memory' }),
  redis: new RedisCache({
    name: 'outage',
    url,
    namespace,
    // Generous: on a loaded machine a healthy Redis must not look down (see the test).
    commandTimeoutMs: 1_000,
    failFastMs: 250,
    maxReconnectDelayMs: 100,
    onWarning: () => {},
  }),
  maxStalenessMs,
});
await cache.subscribed;
const own = Array.from({ length: keys }, (_, index) => 'w' + worker + ':k' + index);
const other = Array.from({ length: keys }, (_, index) => 'w' + (1 - worker) + ':k' + index);
const writes = [];
const reads = [];
let running = true;
let version = 0;
process.on('message', async (message) => {
  if (message !== 'stop') return;
  running = false;
  await loop;
  await cache.close();
  process.send({ writes, reads }, () => process.exit(0));
});
async function read(key) {
  const startedAt = now();
  const value = await cache.get(key);
  reads.push([key, value ?? null, startedAt]);
}
const loop = (async () => {
  for (let turn = 0; running; turn++) {
    const key = own[turn % keys];
    version++;
    await cache.set(key, version, { ttlMs: 60_000 });
    writes.push([key, version, now()]);
    await read(other[turn % keys]);
    await read(other[(turn + 1) % keys]);
    await read(own[(turn + 1) % keys]);
    await sleep(2);
  }
})();
process.send('ready');
`;

/** One write: key, version, and when `set` resolved (epoch ms). */
export type WriteRecord = [key: string, version: number, completedAt: number];
/** One read: key, the version read (null: a miss), and when `get` was called (epoch ms). */
export type ReadRecord = [key: string, version: number | null, startedAt: number];

/** A worker process running the loop above against `url`. */
export class OutageWorker {
  private constructor(private readonly child: ChildProcess) {}

  static async start(options: {
    url: string;
    namespace: string;
    worker: 0 | 1;
    maxStalenessMs: number;
    keys: number;
  }): Promise<OutageWorker> {
    await buildForChildProcess(outDir);
    const script = join(outDir, 'outage-worker.js');
    writeFileSync(script, WORKER);
    const child = await forkReady(
      script,
      [JSON.stringify(options)],
      { stdio: ['ignore', 'inherit', 'inherit', 'ipc'] },
      'outage worker',
    );
    return new OutageWorker(child);
  }

  /** Stops the loop and resolves to everything it logged. */
  stop(): Promise<{ writes: WriteRecord[]; reads: ReadRecord[] }> {
    return new Promise((resolve, reject) => {
      this.child.once('message', (message) =>
        resolve(message as { writes: WriteRecord[]; reads: ReadRecord[] }),
      );
      this.child.once('exit', (code) =>
        reject(new Error(`outage worker exited with ${code} before reporting`)),
      );
      this.child.send('stop');
    });
  }

  /** Kills the process if it is still running (test teardown). */
  kill(): void {
    if (this.child.exitCode === null) this.child.kill('SIGKILL');
  }
}

/** A read that returned a version older than one whose write had completed before the read began. */
export interface StaleRead {
  key: string;
  version: number;
  startedAt: number;
  /** Versions written (completed) after the one read, before the read began. */
  versionsBehind: number;
  /** Milliseconds from the completion of the first newer write to the start of the read. */
  staleForMs: number;
  /** When the write of the version read completed (undefined: not found in the log). */
  readVersionWrittenAt: number | undefined;
}

/** Every stale read in `reads`, judged against the writes of both workers. */
export function findStaleReads(writes: readonly WriteRecord[], reads: readonly ReadRecord[]): StaleRead[] {
  const byKey = new Map<string, WriteRecord[]>();
  for (const write of writes) {
    let list = byKey.get(write[0]);
    if (list === undefined) {
      list = [];
      byKey.set(write[0], list);
    }
    list.push(write);
  }
  for (const list of byKey.values()) list.sort((a, b) => a[1] - b[1]);
  const stale: StaleRead[] = [];
  for (const [key, version, startedAt] of reads) {
    if (version === null) continue;
    const list = byKey.get(key) ?? [];
    // Writes of one key come from one worker, in order: versions and completion times both increase.
    const newer = list.filter(([, written, completedAt]) => written > version && completedAt < startedAt);
    if (newer.length === 0) continue;
    stale.push({
      key,
      version,
      startedAt,
      versionsBehind: newer.length,
      staleForMs: startedAt - (newer[0]?.[2] ?? startedAt),
      readVersionWrittenAt: list.find(([, written]) => written === version)?.[2],
    });
  }
  return stale;
}
