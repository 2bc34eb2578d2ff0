import { mergeConfig } from 'vitest/config';
import { createVitestConfig } from '../../tools/vitest.config.base.mjs';

// The global setup starts a private redis-server when VICTOR_REDIS_URL is not set (see src/__fixtures__).
export default mergeConfig(createVitestConfig(), {
  test: { globalSetup: ['src/__fixtures__/redis-global-setup.ts'] },
});
