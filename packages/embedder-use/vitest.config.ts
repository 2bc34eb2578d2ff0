import { createVitestConfig } from '../../tools/vitest.config.base.mjs';

export default createVitestConfig();
