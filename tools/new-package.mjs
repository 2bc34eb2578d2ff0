#!/usr/bin/env node
// Creates packages/<name> with the workspace's package.json, tsconfig, tsup and vitest settings.
// Usage: node tools/new-package.mjs <name> "<description>"
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const [name, description = ''] = process.argv.slice(2);
if (!name || !/^[a-z][a-z0-9-]*$/.test(name)) {
  console.error(
    `usage: node tools/new-package.mjs <kebab-case-name> "<description>"; got ${JSON.stringify(name)}`,
  );
  process.exit(2);
}
const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const dir = join(root, 'packages', name);
if (existsSync(dir)) {
  console.error(`packages/${name} exists already`);
  process.exit(1);
}
mkdirSync(join(dir, 'src'), { recursive: true });
const entry = (file) => ({
  import: { types: `./dist/${file}.d.ts`, default: `./dist/${file}.js` },
  require: { types: `./dist/${file}.d.cts`, default: `./dist/${file}.cjs` },
});
const packageJson = {
  name: `@victor-ai/${name}`,
  version: '0.1.0',
  description,
  license: 'MIT',
  type: 'module',
  sideEffects: false,
  engines: { node: '>=20.19' },
  main: './dist/index.cjs',
  module: './dist/index.js',
  types: './dist/index.d.ts',
  exports: { '.': entry('index'), './package.json': './package.json' },
  files: ['dist', 'src', '!src/**/*.test.ts', '!src/**/__fixtures__', 'README.md', 'CHANGELOG.md'],
  scripts: {
    build: 'tsup',
    typecheck: 'tsc -p tsconfig.json --noEmit',
    lint: 'biome check .',
    test: 'vitest run',
    'check-package': 'publint --strict && attw --pack . --profile node16',
  },
  dependencies: { '@victor-ai/core': 'workspace:*' },
  publishConfig: { access: 'public' },
};
const write = (file, text) => writeFileSync(join(dir, file), text);
write('package.json', `${JSON.stringify(packageJson, null, 2)}\n`);
write(
  'tsconfig.json',
  `${JSON.stringify({ extends: '../../tsconfig.base.json', compilerOptions: { rootDir: 'src', outDir: 'out-tsc' }, include: ['src'] }, null, 2)}\n`,
);
write(
  'tsconfig.build.json',
  `${JSON.stringify({ extends: './tsconfig.json', exclude: ['src/**/*.test.ts', 'src/**/*.bench.ts', 'src/**/__fixtures__'] }, null, 2)}\n`,
);
write(
  'tsup.config.ts',
  "import { createTsupConfig } from '../../tools/tsup.config.base.mjs';\n\nexport default createTsupConfig({ entry: { index: 'src/index.ts' } });\n",
);
write(
  'vitest.config.ts',
  "import { createVitestConfig } from '../../tools/vitest.config.base.mjs';\n\nexport default createVitestConfig();\n",
);
write('README.md', `# @victor-ai/${name}\n\n${description}\n`);
console.log(`created packages/${name}`);
