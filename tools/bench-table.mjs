#!/usr/bin/env node
// Prints the root README's performance tables (Markdown) from one or more JSON files written by
// `npm run bench -- --json FILE` in full mode: for each group (`peers`, `frameworks`) one row per client,
// with each run's figure in one cell (run 1 / run 2 / ...), so two runs can be compared at a glance.
//
//   node tools/bench-table.mjs run1.json run2.json
import { readFileSync } from 'node:fs';

const files = process.argv.slice(2);
if (files.length === 0) {
  console.error('usage: node tools/bench-table.mjs RUN.json [RUN2.json ...]');
  process.exit(2);
}
const runs = files.map((file) => {
  const json = JSON.parse(readFileSync(file, 'utf8'));
  if (!json.peers || !json.frameworks)
    throw new Error(`${file}: no "peers"/"frameworks" keys (not a benchmark JSON)`);
  return { file, json };
});

const signed = (value) => `${value >= 0 ? '+' : ''}${value}`;
/** `+12.3 [10.1..14.0]`, the median over passes with the range of the passes, or `—`. */
const added = (value, range) =>
  typeof value !== 'number'
    ? '—'
    : Array.isArray(range)
      ? `${signed(value)} [${signed(range[0])}..${signed(range[1])}]`
      : signed(value);

for (const { file, json } of runs) {
  const m = json.machine ?? {};
  console.log(
    `- ${file}: ${m.date ?? '?'}, ${m.cpu ?? '?'}, ${m.cores ?? '?'} cores, Node ${m.node ?? '?'}, load ${
      (m.loadAverage ?? []).join(' ') || '?'
    }, \`${m.command ?? '?'}\``,
  );
}
console.log('');

const columns = [
  ['added p50, us', (c, raw) => (raw ? `p50 ${c.p50Us} us` : added(c.addedP50Us, c.addedP50RangeUs))],
  ['added p99, us', (c, raw) => (raw ? `p99 ${c.p99Us} us` : added(c.addedP99Us, c.addedP99RangeUs))],
  ['throughput c=64 (totals)', (c) => (typeof c.ratio === 'number' ? `${c.ratio}x` : `${c.rps} req/s`)],
  ['client CPU us/req', (c) => String(c.cpuUsPerRequest ?? '—')],
  [
    'added TTFT p50, us',
    (c, raw) => (raw ? `TTFT ${c.ttftP50Us ?? '—'} us` : added(c.addedTtftP50Us, c.addedTtftP50RangeUs)),
  ],
];

for (const group of ['peers', 'frameworks']) {
  console.log(`### ${group}\n`);
  const header = ['client', ...columns.map(([name]) => name)];
  console.log(`| ${header.join(' | ')} |`);
  console.log(`|${header.map(() => '---').join('|')}|`);
  const names = [...new Set(runs.flatMap(({ json }) => Object.keys(json[group])))];
  for (const name of names) {
    const cells = [name];
    for (const [, cell] of columns) {
      // Each run's figure in the same cell, run 1 first, separated by " / ".
      const values = runs.map(({ json }) => {
        const client = json[group][name];
        return !client ? '—' : client.skipped ? 'skipped' : cell(client, name === 'raw');
      });
      cells.push(values.every((value) => value === 'skipped') ? 'skipped' : values.join(' / '));
    }
    console.log(`| ${cells.join(' | ')} |`);
  }
  const skipped = names.flatMap((name) =>
    runs
      .map(({ json }) => json[group][name]?.skipped)
      .filter(Boolean)
      .slice(0, 1)
      .map((why) => `${name}: ${why}`),
  );
  if (skipped.length) console.log(`\n${skipped.join('\n')}`);
  console.log('');
}
