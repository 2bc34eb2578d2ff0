import { copyFileSync } from 'node:fs';
import { createTsupConfig } from '../../tools/tsup.config.base.mjs';

const base = createTsupConfig({ entry: { index: 'src/index.ts', workers: 'src/workers.ts' } });

export default {
  ...base,
  // `import.meta.url` locates the worker entry; the CJS build needs it shimmed.
  shims: true,
  // Workers load this plain JS file by URL, next to the built entries.
  onSuccess: async () => {
    copyFileSync('src/worker-entry.mjs', 'dist/worker-entry.mjs');
  },
};
