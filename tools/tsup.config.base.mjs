// The one tsup configuration every published package builds with: ESM (.js + .d.ts) and CJS (.cjs + .d.cts).
import { defineConfig } from 'tsup';

/**
 * Builds a package's tsup config.
 * @param {{ entry: Record<string, string> | string[], external?: string[] }} options
 */
export function createTsupConfig(options) {
  return defineConfig({
    entry: options.entry,
    format: ['esm', 'cjs'],
    dts: { compilerOptions: { composite: false } },
    tsconfig: 'tsconfig.build.json',
    target: 'node20',
    platform: 'node',
    sourcemap: true,
    clean: true,
    splitting: true,
    treeshake: true,
    external: options.external ?? [],
    outExtension({ format }) {
      return { js: format === 'cjs' ? '.cjs' : '.js' };
    },
  });
}
