import type { TestProject } from 'vitest/node';
// The same helper starts the gateway's test cluster; see tools/redis-cluster.mjs.
import { setupRedisCluster } from '../../../../tools/redis-cluster.mjs';

/** Provides `redisClusterNodes`: VICTOR_REDIS_CLUSTER, or a local 3-master cluster started here and stopped after the run. */
export default function setup(project: TestProject): Promise<() => Promise<void>> {
  return setupRedisCluster(project as unknown as { provide(key: string, value: string): void });
}
