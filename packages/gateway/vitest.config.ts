import { mergeConfig } from 'vitest/config';
import { createVitestConfig } from '../../tools/vitest.config.base.mjs';

// The global setup provides a Redis Cluster to the cluster tests: VICTOR_REDIS_CLUSTER, or a local
// 3-master cluster it starts and stops (tools/redis-cluster.mjs).
export default mergeConfig(createVitestConfig(), {
  test: { globalSetup: ['../../tools/redis-cluster.mjs'] },
});
