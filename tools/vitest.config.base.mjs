// The one vitest configuration every project tests with. Besides the console, it writes a JSON report to
// <project>/reports/vitest.json (or the file VICTOR_VITEST_REPORT names, relative to the project, which the second
// pass of .ci/run on another Node version uses), which .ci/run sums into its last line and Nx restores on a
// cache hit.
import { defineConfig } from 'vitest/config';

/** @param {{ testTimeout?: number, include?: string[] }} [options] */
export function createVitestConfig(options = {}) {
  return defineConfig({
    test: {
      include: options.include ?? ['src/**/*.test.ts'],
      testTimeout: options.testTimeout ?? 15_000,
      reporters: ['default', ['json', { outputFile: process.env.VICTOR_VITEST_REPORT ?? 'reports/vitest.json' }]],
    },
  });
}
