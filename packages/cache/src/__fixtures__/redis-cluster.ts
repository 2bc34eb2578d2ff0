import { describe, inject, it } from 'vitest';
import { redisRequired } from './redis.js';

declare module 'vitest' {
  export interface ProvidedContext {
    /** Comma-separated host:port list of the test Redis Cluster, or '' when there is none. */
    redisClusterNodes: string;
    /** Why there is no cluster, when there is none. */
    redisClusterUnavailableReason: string;
  }
}

/** Nodes (`host:port`) of the test Redis Cluster (VICTOR_REDIS_CLUSTER or one the global setup started). */
export const clusterNodes: string[] = inject('redisClusterNodes').split(',').filter(Boolean);
const reason = inject('redisClusterUnavailableReason');

/** `describe` for suites that need a Redis Cluster: skipped loudly without one, failed when Redis is required. */
export function describeWithCluster(name: string, body: () => void): void {
  const missing = clusterNodes.length === 0 ? reason || 'no Redis Cluster' : '';
  if (missing !== '' && redisRequired) {
    describe(name, () => {
      it('needs a Redis Cluster, which CI requires', () => {
        throw new Error(
          `Redis Cluster is required (VICTOR_REQUIRE_REDIS=1 or CI=true) but unavailable: ${missing}`,
        );
      });
    });
    return;
  }
  if (missing !== '') console.warn(`\n*** SKIPPING "${name}": no Redis Cluster (${missing}) ***\n`);
  describe.skipIf(missing !== '')(name, body);
}
