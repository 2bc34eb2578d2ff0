// Import time of two builds of @victor-ai/coordinators, interleaved: 15 fresh processes each (after one
// warm-up of each), `await import(<entry>)` timed inside the process, as wall time and as the process's CPU
// time (user + system, steadier than wall time on a loaded machine). Usage:
//   node bench/import-time.mjs <base dist/index.js> [<current dist/index.js>] [runs]
// The base used for the README was the commit before the long-session defaults (43015ca) built with the same
// tsup settings into node_modules/.cache/h21-base/ (git archive 43015ca src | tar -x -C <dir>, then tsup).
import { execFileSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';

const base = process.argv[2];
const current = process.argv[3] ?? fileURLToPath(new URL('../dist/index.js', import.meta.url));
const runs = Number(process.argv[4] ?? 15);
if (base === undefined) {
  console.error('usage: node bench/import-time.mjs <base dist/index.js> [<current dist/index.js>] [runs]');
  process.exit(2);
}
const time = (file) => {
  const out = execFileSync(process.execPath, [
    '--input-type=module',
    '-e',
    `const t = performance.now(); const c = process.cpuUsage(); await import(${JSON.stringify(file)}); const u = process.cpuUsage(c); console.log(performance.now() - t, (u.user + u.system) / 1000);`,
  ]);
  const [wall, cpu] = out.toString().trim().split(' ').map(Number);
  samples.wall[file === base ? 'base' : 'current'].push(wall);
  samples.cpu[file === base ? 'base' : 'current'].push(cpu);
};
const samples = { wall: { base: [], current: [] }, cpu: { base: [], current: [] } };
time(base);
time(current);
samples.wall = { base: [], current: [] };
samples.cpu = { base: [], current: [] };
for (let i = 0; i < runs; i++) {
  time(base);
  time(current);
}
const median = (values) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)];
for (const [kind, builds] of Object.entries(samples)) {
  for (const [name, values] of Object.entries(builds)) {
    console.log(
      `${kind} ${name}: median ${median(values).toFixed(1)} ms, min ${Math.min(...values).toFixed(1)}, max ${Math.max(...values).toFixed(1)}`,
    );
  }
  console.log(
    `${kind} current / base (medians): ${(median(builds.current) / median(builds.base)).toFixed(3)}`,
  );
}
