import { createVitestConfig } from '../../tools/vitest.config.base.mjs';

// MCP servers are child processes: starting one takes seconds on a busy 2-core machine.
export default createVitestConfig({ testTimeout: 60_000 });
