import { mergeConfig } from 'vitest/config';
import { createVitestConfig } from '../../tools/vitest.config.base.mjs';

// `*.test-d.ts` files are type tests (expectTypeOf): vitest checks them with tsc, beside the runtime tests,
// under exactOptionalPropertyTypes (tsconfig.typetest.json), as a strict user compiles. A strict user reads
// the built .d.ts with skipLibCheck, so errors in this package's own sources under that flag (the attempt
// loop's request spreads) are not the user's: only errors in the type tests fail the run.
export default mergeConfig(createVitestConfig(), {
  test: {
    typecheck: {
      enabled: true,
      include: ['src/**/*.test-d.ts'],
      tsconfig: './tsconfig.typetest.json',
      ignoreSourceErrors: true,
    },
  },
});
