import { mergeConfig } from 'vitest/config';
import { createVitestConfig } from '../../tools/vitest.config.base.mjs';

// `*.test-d.ts` files are type tests (expectTypeOf): vitest checks them with tsc, beside the runtime tests.
export default mergeConfig(createVitestConfig(), {
  test: { typecheck: { enabled: true, include: ['src/**/*.test-d.ts'], tsconfig: './tsconfig.json' } },
});
