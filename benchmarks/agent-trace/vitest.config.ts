import { createVitestConfig } from '../../tools/vitest.config.base.mjs';

// Plain JavaScript, no build: the tests sit beside index.js.
export default createVitestConfig({ include: ['*.test.ts'] });
