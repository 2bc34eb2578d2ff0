#!/usr/bin/env node
// Loads every built entry point in the `exports` maps of the published packages, the `import` target with
// import() and the `require` target with require(), and checks that both expose the same names.
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
let failures = 0;
let checked = 0;
for (const name of readdirSync(join(root, 'packages'))) {
  const dir = join(root, 'packages', name);
  const manifestFile = join(dir, 'package.json');
  if (!existsSync(manifestFile)) continue;
  const manifest = JSON.parse(readFileSync(manifestFile, 'utf8'));
  if (manifest.private) continue;
  for (const [subpath, target] of Object.entries(manifest.exports ?? {})) {
    if (typeof target !== 'object' || subpath === './package.json') continue;
    const specifier = `${manifest.name}${subpath.slice(1)}`;
    try {
      const esm = await import(pathToFileURL(join(dir, target.import.default)).href);
      const cjs = createRequire(join(dir, 'package.json'))(join(dir, target.require.default));
      const esmNames = Object.keys(esm)
        .filter((key) => key !== 'default' && key !== 'module.exports')
        .sort();
      const cjsNames = Object.keys(cjs).sort();
      if (esmNames.length === 0) throw new Error('exports nothing');
      if (esmNames.join() !== cjsNames.join()) {
        throw new Error(`ESM exports ${esmNames.join(', ')} but CJS exports ${cjsNames.join(', ')}`);
      }
      checked++;
    } catch (error) {
      failures++;
      console.error(`entry point ${specifier}: ${error instanceof Error ? error.message : String(error)}`);
    }
  }
}
console.log(
  `entry points: ${checked} loaded with import and require${failures ? `, ${failures} failed` : ''}`,
);
process.exitCode = failures > 0 ? 1 : 0;
