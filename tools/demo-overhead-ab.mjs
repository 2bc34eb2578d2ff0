#!/usr/bin/env node
// Where the demo's runtime overhead goes, two builds side by side: runs `apps/demo/dist/main.js --json` of
// each checkout alternately, with the agent's provider waits, tool runs and turns logged (wall time and
// process CPU time), and prints the overhead per session and per turn, medians over the runs with ranges.
// CPU time is the figure to read on a loaded machine: other processes inflate wall time, not CPU time.
//
//   git worktree add /tmp/old <rev> && (cd /tmp/old && pnpm install --offline && pnpm --filter "@victor-ai/demo..." run build)
//   git worktree add /tmp/new HEAD && (the same install and build in /tmp/new)
//   node tools/demo-overhead-ab.mjs --runs 10 old=/tmp/old new=/tmp/new
//
// It instruments each checkout's built packages/coordinators/dist/index.js for the run (a copy is kept
// and put back at the end), so both checkouts must be built. Not a benchmark of the demo's figures.
// Point it at checkouts nobody else is building or testing in while it runs (it rewrites a built file).
import { spawnSync } from 'node:child_process';
import { copyFileSync, existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';

const args = process.argv.slice(2);
let runs = 8;
const builds = [];
for (let i = 0; i < args.length; i++) {
  if (args[i] === '--runs') runs = Number(args[++i]);
  else if (args[i].includes('=')) {
    const [label, dir] = args[i].split('=');
    builds.push({ label, dir: resolve(dir) });
  } else throw new Error(`unknown argument ${JSON.stringify(args[i])}`);
}
if (builds.length === 0 || !Number.isInteger(runs) || runs < 1) {
  console.error('usage: node tools/demo-overhead-ab.mjs [--runs N] label=DIR [label=DIR ...]');
  process.exit(2);
}

const CPU = '(() => { const c = process.cpuUsage(); return c.user + c.system; })()';
const push = (kind, start, cpu) =>
  `(globalThis.__ovh ??= []).push([${JSON.stringify(kind)}, ${start}, process.hrtime.bigint(), ${cpu}, ${CPU}]);`;
const HEADER =
  "import { writeFileSync as __ovhWrite } from 'node:fs';\n" +
  "process.on('exit', () => { if (process.env.OVERHEAD_LOG) __ovhWrite(process.env.OVERHEAD_LOG, JSON.stringify((globalThis.__ovh ?? []).map(([k, a, b, c, d]) => [k, Number(a / 1000n), Number(b / 1000n), c, d]))); });\n";

/** The coordinators bundle with its provider, tool and turn windows logged. */
function instrument(source) {
  let out = source;
  const replace = (pattern, replacement, what) => {
    const next = out.replace(pattern, replacement);
    if (next === out) throw new Error(`coordinators dist: no ${what} found to instrument`);
    out = next;
  };
  replace(
    /const waitStarted = clock\.now\(\);/g,
    `const waitStarted = clock.now(); const __w0 = process.hrtime.bigint(); const __wc = ${CPU};`,
    'provider wait',
  );
  replace(
    /(progress\.providerMs \+= clock\.now\(\) - waitStarted;)/g,
    `$1 ${push('provider', '__w0', '__wc')}`,
    'provider wait end',
  );
  replace(
    /(const started = clock\.now\(\);\n\s+(?:let results;|const results = await this\.parts\.tools\(\)\.run))/g,
    `const __t0 = process.hrtime.bigint(); const __tc = ${CPU}; $1`,
    'tool run',
  );
  replace(
    /(progress\.toolMs \+= clock\.now\(\) - started;)/g,
    `$1 ${push('tools', '__t0', '__tc')}`,
    'tool run end',
  );
  replace(
    /(async \*runStream\(input, options\) \{\n)/,
    `$1    globalThis.__ovhTurnCpu = ${CPU};\n`,
    'runStream',
  );
  replace(
    /(const totalMs = parts\.clock\.now\(\) - started;)/,
    `$1 ${push('turn', 'process.hrtime.bigint() - BigInt(Math.round(totalMs * 1e6))', 'globalThis.__ovhTurnCpu ?? 0')}`,
    'turn end',
  );
  return HEADER + out;
}

const median = (values) => {
  const sorted = [...values].sort((a, b) => a - b);
  const middle = sorted.length >> 1;
  return sorted.length % 2 ? sorted[middle] : (sorted[middle - 1] + sorted[middle]) / 2;
};
const range = (values) => `${Math.min(...values).toFixed(1)}-${Math.max(...values).toFixed(1)}`;

const work = mkdtempSync(join(tmpdir(), 'demo-overhead-'));
const results = new Map(builds.map(({ label }) => [label, []]));
for (const build of builds) {
  build.dist = join(build.dir, 'packages/coordinators/dist/index.js');
  build.main = join(build.dir, 'apps/demo/dist/main.js');
  if (!existsSync(build.dist) || !existsSync(build.main)) throw new Error(`${build.dir} is not built`);
  copyFileSync(build.dist, `${build.dist}.overhead-ab`);
  writeFileSync(build.dist, instrument(readFileSync(build.dist, 'utf8')));
}
try {
  for (let run = 0; run < runs; run++) {
    for (const build of builds) {
      const log = join(work, `${build.label}.${run}.json`);
      const child = spawnSync(process.execPath, [build.main, '--json'], {
        cwd: build.dir,
        env: { ...process.env, OVERHEAD_LOG: log },
        encoding: 'utf8',
        maxBuffer: 64 * 1024 * 1024,
        timeout: 180_000,
      });
      if (child.status !== 0)
        throw new Error(`${build.label}: the demo exited with ${child.status}\n${child.stderr}`);
      const windows = JSON.parse(readFileSync(log, 'utf8'));
      const turns = windows
        .filter(([kind]) => kind === 'turn')
        .map(([, start, end, cpuStart, cpuEnd]) => {
          const inner = windows.filter(([kind, s]) => kind !== 'turn' && s >= start && s <= end);
          const wall = (end - start - inner.reduce((sum, [, s, e]) => sum + (e - s), 0)) / 1000;
          const cpu = (cpuEnd - cpuStart - inner.reduce((sum, [, , , c0, c1]) => sum + (c1 - c0), 0)) / 1000;
          return { wall, cpu };
        });
      results.get(build.label).push(turns);
    }
  }
} finally {
  for (const build of builds) copyFileSync(`${build.dist}.overhead-ab`, build.dist);
  for (const build of builds) rmSync(`${build.dist}.overhead-ab`);
  rmSync(work, { recursive: true, force: true });
}

console.log(`runtime overhead of the demo session, ${runs} runs each, alternated (ms; median [range])`);
console.log('build | CPU per session | wall per session | CPU per turn (medians)');
for (const [label, sessions] of results) {
  const cpu = sessions.map((turns) => turns.reduce((sum, turn) => sum + turn.cpu, 0));
  const wall = sessions.map((turns) => turns.reduce((sum, turn) => sum + turn.wall, 0));
  const perTurn = sessions[0].map((_, index) => median(sessions.map((turns) => turns[index]?.cpu ?? 0)));
  console.log(
    `${label} | ${median(cpu).toFixed(1)} [${range(cpu)}] | ${median(wall).toFixed(1)} [${range(wall)}] | ${perTurn.map((value) => value.toFixed(1)).join(', ')}`,
  );
}
