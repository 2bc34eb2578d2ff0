import { setTimeout as sleep } from 'node:timers/promises';
import { afterAll, describe, expect, it } from 'vitest';
import {
  findStaleReads,
  OutageWorker,
  type ReadRecord,
  type WriteRecord,
} from './__fixtures__/outage-worker.js';
import { describeWithRedis, ownRedisServer, uniqueNamespace } from './__fixtures__/redis.js';

/** Epoch milliseconds with sub-millisecond resolution, comparable with the workers' logs. */
const now = () => performance.timeOrigin + performance.now();

/**
 * Times in the logs come from separate processes reading the same system clock; this covers their
 * rounding and skew, nothing else. The staleness bound itself is not widened.
 */
const CLOCK_SKEW_MS = 25;

describe('TieredCache while Redis is away', () => {
  describeWithRedis(
    'two processes sharing one cache, Redis paused then killed and restarted',
    () => {
      // Its own redis-server: this test freezes and kills it.
      const server = ownRedisServer();
      const workers: OutageWorker[] = [];
      // Runs before the server is stopped (vitest runs after-hooks last registered first).
      afterAll(() => {
        for (const worker of workers) worker.kill();
      });

      it('serves nothing staler than maxStalenessMs during the outage, and nothing from before the reconnection after it', async () => {
        const maxStalenessMs = 500;
        const namespace = uniqueNamespace();
        workers.push(
          ...(await Promise.all(
            ([0, 1] as const).map((worker) =>
              OutageWorker.start({ url: server.url, namespace, worker, maxStalenessMs, keys: 4 }),
            ),
          )),
        );
        // The phases are lengths of time the workers run through, not waits for something to happen: every
        // judgement below is made on the times the workers and this process measured.
        await sleep(1_000);
        const pausedAt = now();
        server.pause();
        await sleep(2_000);
        const killedAt = now();
        await server.stop();
        await sleep(750);
        const restartedAt = now();
        await server.restart();
        const answeredAt = now();
        await sleep(2_000);
        const logs = await Promise.all(workers.map((worker) => worker.stop()));
        const writes: WriteRecord[] = logs.flatMap((log) => log.writes);
        const reads: ReadRecord[] = logs.flatMap((log) => log.reads);
        const stale = findStaleReads(writes, reads);

        const summary = {
          // The promise: no read older than maxStalenessMs, in any phase.
          staleBeyondBound: stale.filter((read) => read.staleForMs > maxStalenessMs + CLOCK_SKEW_MS).length,
          // After Redis came back: no version written before it came back, once a newer one was written.
          staleFromBeforeReconnection: stale.filter(
            (read) =>
              read.startedAt > restartedAt && (read.readVersionWrittenAt ?? restartedAt) < restartedAt,
          ).length,
        };
        // The run did exercise every phase: writes went on while Redis was away, reads hit before the pause
        // and again after the restart.
        const otherKeyHits = (from: number, to: number) =>
          logs.reduce(
            (sum, log, worker) =>
              sum +
              log.reads.filter(
                ([key, version, startedAt]) =>
                  version !== null && !key.startsWith(`w${worker}:`) && startedAt > from && startedAt < to,
              ).length,
            0,
          );
        const writesDuringOutage = writes.filter(
          ([, , completedAt]) => completedAt > pausedAt + maxStalenessMs && completedAt < restartedAt,
        ).length;
        const maxStaleForMs = Math.max(0, ...stale.map((read) => read.staleForMs));
        const context = JSON.stringify({
          ...summary,
          staleReads: stale.length,
          maxStaleForMs: Math.round(maxStaleForMs),
          writesDuringOutage,
          phases: {
            paused: Math.round(pausedAt),
            killed: Math.round(killedAt - pausedAt),
            restarted: Math.round(restartedAt - pausedAt),
            answered: Math.round(answeredAt - pausedAt),
          },
          worst: stale.sort((a, b) => b.staleForMs - a.staleForMs).slice(0, 3),
        });
        expect(summary, context).toEqual({ staleBeyondBound: 0, staleFromBeforeReconnection: 0 });
        expect(writesDuringOutage, context).toBeGreaterThan(20);
        expect(otherKeyHits(0, pausedAt), context).toBeGreaterThan(20);
        expect(otherKeyHits(answeredAt, Number.POSITIVE_INFINITY), context).toBeGreaterThan(20);
      }, 60_000);
    },
    { needsBinary: true },
  );
});
