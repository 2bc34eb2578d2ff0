#!/usr/bin/env node
// Cold start and bundle size of the published packages as a user gets them: packs every published package with
// `pnpm pack`, installs the tarballs into an empty temporary project with npm (beside the pinned `ai` and
// `@ai-sdk/openai-compatible` as the reference), then measures in fresh processes, interleaved in rounds:
// `import()` of coordinators alone, of coordinators with provider-pool, of `ai` with its OpenAI-compatible
// provider, and a bare `node -e 0`; the first agent turn after import against the loopback server; and the size
// of a minimal program bundled with esbuild (`--bundle --platform=node --minify`), raw and gzipped.
//
// Usage: node tools/cold-start.mjs [--runs N] [--json FILE] [--keep DIR] [--node PATH] [--zod RANGE]
// --zod installs that zod beside the tarballs (default ^4.1.0; `--zod 3.25.76` checks the zod 3.25 peer range,
// since the packages import `zod/v4`, which 3.25 ships).
// Build first (`pnpm exec nx run-many -t build`). Needs the npm registry for `ai` and esbuild's binary from
// the workspace.
import { execFileSync, spawnSync } from 'node:child_process';
import {
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  realpathSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { gzipSync } from 'node:zlib';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const AI_VERSION = '6.0.326';
const AI_OPENAI_COMPATIBLE_VERSION = '2.0.92';

function parseArgs(argv) {
  const options = { runs: 15, json: undefined, keep: undefined, node: process.execPath, zod: '^4.1.0' };
  for (let index = 0; index < argv.length; index++) {
    const flag = argv[index];
    const value = argv[index + 1];
    if (flag === '--runs') {
      options.runs = Number(value);
      if (!Number.isInteger(options.runs) || options.runs < 3) {
        throw new Error(`--runs must be an integer >= 3, got ${JSON.stringify(value)}`);
      }
      index++;
    } else if (flag === '--json') {
      options.json = value;
      index++;
    } else if (flag === '--keep') {
      options.keep = value;
      index++;
    } else if (flag === '--node') {
      options.node = value;
      index++;
    } else if (flag === '--zod') {
      if (typeof value !== 'string' || value === '') throw new Error('--zod needs a version or range');
      options.zod = value;
      index++;
    } else {
      throw new Error(
        `unknown option ${JSON.stringify(flag)}; expected --runs, --json, --keep, --node or --zod`,
      );
    }
  }
  return options;
}

const options = parseArgs(process.argv.slice(2));
// esbuild comes with tsup, the workspace's bundler; pnpm links it beside tsup's real folder.
const esbuild = createRequire(join(realpathSync(join(root, 'node_modules', 'tsup')), 'package.json'))(
  'esbuild',
);

function publishedPackages() {
  const result = [];
  for (const name of readdirSync(join(root, 'packages'))) {
    const file = join(root, 'packages', name, 'package.json');
    if (!existsSync(file)) continue;
    const manifest = JSON.parse(readFileSync(file, 'utf8'));
    if (!manifest.private) result.push({ dir: join(root, 'packages', name), name: manifest.name });
  }
  return result;
}

function median(values) {
  const sorted = [...values].sort((a, b) => a - b);
  const middle = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? sorted[middle] : (sorted[middle - 1] + sorted[middle]) / 2;
}

function summary(values) {
  return {
    medianMs: Number(median(values).toFixed(1)),
    minMs: Number(Math.min(...values).toFixed(1)),
    maxMs: Number(Math.max(...values).toFixed(1)),
    runs: values.length,
  };
}

const project = options.keep ?? mkdtempSync(join(tmpdir(), 'victor-cold-start-'));
mkdirSync(join(project, 'tarballs'), { recursive: true });
const packages = publishedPackages();
console.error(`packing ${packages.length} packages into ${project}`);
const dependencies = {};
for (const pkg of packages) {
  const output = execFileSync('pnpm', ['pack', '--pack-destination', join(project, 'tarballs')], {
    cwd: pkg.dir,
    encoding: 'utf8',
  });
  const tarball = output
    .trim()
    .split('\n')
    .map((line) => line.trim())
    .filter((line) => line.endsWith('.tgz'))
    .pop();
  if (!tarball) throw new Error(`pnpm pack printed no tarball for ${pkg.name}: ${output}`);
  dependencies[pkg.name] = `file:${tarball.startsWith('/') ? tarball : join(project, 'tarballs', tarball)}`;
}
const overrides = Object.fromEntries(Object.keys(dependencies).map((name) => [name, `$${name}`]));
writeFileSync(
  join(project, 'package.json'),
  JSON.stringify(
    {
      name: 'victor-cold-start',
      private: true,
      type: 'module',
      dependencies: {
        ...dependencies,
        zod: options.zod,
        ai: AI_VERSION,
        '@ai-sdk/openai-compatible': AI_OPENAI_COMPATIBLE_VERSION,
      },
      overrides,
    },
    null,
    2,
  ),
);
console.error('installing the tarballs and the reference packages with npm');
execFileSync('npm', ['install', '--no-audit', '--no-fund', '--loglevel=error'], {
  cwd: project,
  stdio: 'inherit',
});

const victorProgram = `import { createAgent } from '@victor-ai/coordinators';
import { createOpenAICompatibleProvider } from '@victor-ai/provider-pool';
const agent = createAgent({
  provider: createOpenAICompatibleProvider({ baseURL: process.env.BASE_URL ?? 'http://127.0.0.1:1/v1' }),
  model: 'loopback',
});
console.log((await agent.chat('hello')).text);
await agent.close();
`;
const aiProgram = `import { generateText } from 'ai';
import { createOpenAICompatible } from '@ai-sdk/openai-compatible';
const provider = createOpenAICompatible({ name: 'loopback', baseURL: process.env.BASE_URL ?? 'http://127.0.0.1:1/v1' });
const result = await generateText({ model: provider('loopback'), prompt: 'hello' });
console.log(result.text);
`;
writeFileSync(join(project, 'victor-program.mjs'), victorProgram);
writeFileSync(join(project, 'ai-program.mjs'), aiProgram);
// The first turn: import, build the agent, one chat against a loopback server started in another process.
writeFileSync(
  join(project, 'first-turn.mjs'),
  `const start = performance.now();
const { createAgent } = await import('@victor-ai/coordinators');
const { createOpenAICompatibleProvider } = await import('@victor-ai/provider-pool');
const imported = performance.now();
const agent = createAgent({ provider: createOpenAICompatibleProvider({ baseURL: process.env.BASE_URL }), model: 'loopback' });
const turn = await agent.chat('hello');
if (typeof turn.text !== 'string') throw new Error('no answer');
const done = performance.now();
await agent.close();
console.log(JSON.stringify({ importMs: imported - start, firstTurnMs: done - imported }));
`,
);
writeFileSync(
  join(project, 'loopback.mjs'),
  `const { createLoopbackServer } = await import('@victor-ai/provider-pool/testing');
const server = await createLoopbackServer({ port: 0 });
console.log(server.baseURL);
process.stdin.resume();
process.stdin.on('end', () => process.exit(0));
`,
);

const scenarios = {
  bareNode: ['-e', '0'],
  coordinators: ['-e', "await import('@victor-ai/coordinators')", '--input-type=module'],
  coordinatorsWithProviderPool: [
    '-e',
    "await Promise.all([import('@victor-ai/coordinators'), import('@victor-ai/provider-pool')])",
    '--input-type=module',
  ],
  aiWithOpenAICompatible: [
    '-e',
    "await Promise.all([import('ai'), import('@ai-sdk/openai-compatible')])",
    '--input-type=module',
  ],
};
const samples = Object.fromEntries(Object.keys(scenarios).map((name) => [name, []]));
const names = Object.keys(scenarios);
console.error(`timing ${options.runs} interleaved rounds of ${names.join(', ')}`);
for (let round = 0; round < options.runs; round++) {
  // Rotate the order each round so that drift and caches hit every scenario alike.
  const order = names.map((_, index) => names[(index + round) % names.length]);
  for (const name of order) {
    const started = process.hrtime.bigint();
    const result = spawnSync(options.node, scenarios[name], { cwd: project, encoding: 'utf8' });
    const elapsed = Number(process.hrtime.bigint() - started) / 1e6;
    if (result.status !== 0) throw new Error(`${name} failed: ${result.stderr}`);
    samples[name].push(elapsed);
  }
}

// Which heavy optional dependencies importing coordinators loads: they are CommonJS, so require.cache shows them
// even when an ESM import brought them in.
const filesLoaded = spawnSync(
  options.node,
  [
    '--input-type=module',
    '-e',
    `import { createRequire } from 'node:module';
await import('@victor-ai/coordinators');
const require = createRequire(import.meta.url);
const loaded = Object.keys(require.cache);
console.log(JSON.stringify({ cjs: loaded.length, heavy: ['ioredis', 'piscina', 'ajv', '@napi-rs'].filter((name) => loaded.some((file) => file.includes('/node_modules/' + name + '/'))) }));`,
  ],
  { cwd: project, encoding: 'utf8' },
);

const firstTurns = [];
{
  const { spawn } = await import('node:child_process');
  const server = spawn(options.node, ['loopback.mjs'], { cwd: project, stdio: ['pipe', 'pipe', 'inherit'] });
  const baseURL = await new Promise((resolve, reject) => {
    let output = '';
    server.stdout.on('data', (chunk) => {
      output += chunk;
      if (output.includes('\n')) resolve(output.trim());
    });
    server.on('exit', (code) => reject(new Error(`loopback server exited with ${code}`)));
  });
  const url = baseURL;
  for (let run = 0; run < options.runs; run++) {
    const result = spawnSync(options.node, ['first-turn.mjs'], {
      cwd: project,
      encoding: 'utf8',
      env: { ...process.env, BASE_URL: url },
    });
    if (result.status !== 0) throw new Error(`first turn failed: ${result.stderr}`);
    firstTurns.push(JSON.parse(result.stdout.trim().split('\n').pop()));
  }
  server.stdin.end();
  server.kill();
}

async function bundleSize(entry) {
  const result = await esbuild.build({
    entryPoints: [join(project, entry)],
    bundle: true,
    platform: 'node',
    format: 'esm',
    minify: true,
    write: false,
    metafile: true,
    logLevel: 'silent',
    absWorkingDir: project,
  });
  const bytes = result.outputFiles[0].contents;
  const inputs = {};
  const output = Object.values(result.metafile.outputs)[0];
  for (const [file, info] of Object.entries(output.inputs)) {
    // The package a file belongs to: the last node_modules/<name> (or @scope/name) in its path.
    const matches = [...file.matchAll(/node_modules\/((?:@[^/]+\/)?[^/]+)\//g)];
    const key = matches.length > 0 ? matches[matches.length - 1][1] : 'program';
    inputs[key] = (inputs[key] ?? 0) + info.bytesInOutput;
  }
  const largest = Object.entries(inputs)
    .sort((a, b) => b[1] - a[1])
    .slice(0, 8)
    .map(([name, size]) => ({ name, kb: Number((size / 1024).toFixed(1)) }));
  return {
    kb: Number((bytes.length / 1024).toFixed(1)),
    gzipKb: Number((gzipSync(bytes).length / 1024).toFixed(1)),
    largest,
  };
}

const report = {
  date: new Date().toISOString(),
  node: spawnSync(options.node, ['-v'], { encoding: 'utf8' }).stdout.trim(),
  zod: JSON.parse(readFileSync(join(project, 'node_modules', 'zod', 'package.json'), 'utf8')).version,
  runs: options.runs,
  importMs: Object.fromEntries(names.map((name) => [name, summary(samples[name])])),
  coordinatorsLoads: JSON.parse(filesLoaded.stdout || '{}'),
  firstTurn: {
    importMs: summary(firstTurns.map((sample) => sample.importMs)),
    firstTurnMs: summary(firstTurns.map((sample) => sample.firstTurnMs)),
  },
  bundle: {
    victor: await bundleSize('victor-program.mjs'),
    ai: await bundleSize('ai-program.mjs'),
  },
};

console.log(
  '\ncold start (fresh processes, median [min-max] over',
  options.runs,
  'interleaved runs), Node',
  report.node,
  'zod',
  report.zod,
);
for (const name of names) {
  const figure = report.importMs[name];
  console.log(
    `  ${name.padEnd(30)} ${String(figure.medianMs).padStart(7)} ms  [${figure.minMs}-${figure.maxMs}]`,
  );
}
console.log(
  `  first turn after import (loopback): ${report.firstTurn.firstTurnMs.medianMs} ms [${report.firstTurn.firstTurnMs.minMs}-${report.firstTurn.firstTurnMs.maxMs}]`,
);
console.log(`  coordinators import loads (CJS modules) ${JSON.stringify(report.coordinatorsLoads)}`);
console.log('bundle (esbuild --bundle --platform=node --minify):');
for (const [name, figure] of Object.entries(report.bundle)) {
  console.log(
    `  ${name.padEnd(8)} ${figure.kb} KB, ${figure.gzipKb} KB gzipped; largest: ${figure.largest.map((entry) => `${entry.name} ${entry.kb} KB`).join(', ')}`,
  );
}
if (options.json) writeFileSync(options.json, `${JSON.stringify(report, null, 2)}\n`);
if (!options.keep) rmSync(project, { recursive: true, force: true });
