import { mergeConfig } from 'vitest/config';
import { createVitestConfig } from '../../tools/vitest.config.base.mjs';

// The global setups start a private redis-server when VICTOR_REDIS_URL is not set, and a private 3-master
// Redis Cluster when VICTOR_REDIS_CLUSTER is not set (see src/__fixtures__ and tools/redis-cluster.mjs).
export default mergeConfig(createVitestConfig(), {
  test: {
    globalSetup: ['src/__fixtures__/redis-global-setup.ts', 'src/__fixtures__/redis-cluster-global-setup.ts'],
  },
});
