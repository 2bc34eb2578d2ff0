// Workspace hooks. beforePacking: a published package must not name a private workspace package (the bench
// and test helpers in apps/ and benchmarks/) in any dependency field of its tarball's package.json, since npm
// cannot resolve one; pnpm otherwise writes them with their workspace version, and `npm install` of the
// tarball fails.
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';

const root = import.meta.dirname;
const privateNames = new Set();
for (const folder of ['apps', 'benchmarks', 'packages']) {
  let entries = [];
  try {
    entries = readdirSync(join(root, folder));
  } catch {
    continue;
  }
  for (const name of entries) {
    try {
      const manifest = JSON.parse(readFileSync(join(root, folder, name, 'package.json'), 'utf8'));
      if (manifest.private === true) privateNames.add(manifest.name);
    } catch {
      // not a package folder
    }
  }
}

/** Drops private workspace packages from every dependency field of a manifest about to be packed. */
function beforePacking(manifest) {
  for (const field of ['dependencies', 'devDependencies', 'peerDependencies', 'optionalDependencies']) {
    const dependencies = manifest[field];
    if (dependencies === undefined) continue;
    for (const name of Object.keys(dependencies)) if (privateNames.has(name)) delete dependencies[name];
    if (Object.keys(dependencies).length === 0) delete manifest[field];
  }
  return manifest;
}

export const hooks = { beforePacking };
