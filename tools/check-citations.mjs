#!/usr/bin/env node
// Checks that the repository's tests, sources and READMEs cite only what a reader of the repository has:
// no design-record numbers (`ADR-nnn`), no issue numbers of the tracker the project was built from, and no
// documents outside the repository (`../shared/docs/...`); a `docs/*.md` file that a README or a comment
// names must exist. (Evaluation data read by path from `../shared/data` is not a citation: it is optional,
// and what reads it says how to run without it.)
//   node tools/check-citations.mjs
import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const self = 'tools/check-citations.mjs';
let listed;
try {
  listed = execFileSync('git', ['ls-files', '-co', '--exclude-standard'], { cwd: root, encoding: 'utf8' });
} catch {
  process.stdout.write('check-citations: skipped (not a git checkout, or git is not installed)\n');
  process.exit(0);
}
const files = listed
  .split('\n')
  .filter((file) => /\.(md|ts|mts|mjs|js)$/.test(file) && file !== self)
  .filter(
    (file) => !/(^|\/)(node_modules|dist|CHANGELOG\.md$)|^\.changeset\/|^benchmarks\/full-runs\//.test(file),
  );

const rules = [
  { pattern: /\bADR-\d+/, why: 'a design-record number (restate the fact in docs/decisions.md)' },
  { pattern: /\bissues? #?\d+\b/i, why: 'an issue number (say what it was, or cite docs/)' },
  { pattern: /\.\.\/shared\/docs\b/, why: 'a document outside the repository' },
];

const problems = [];
for (const file of files) {
  const path = join(root, file);
  if (!existsSync(path)) continue;
  const lines = readFileSync(path, 'utf8').split('\n');
  lines.forEach((line, index) => {
    for (const { pattern, why } of rules) {
      const match = pattern.exec(line);
      if (match) problems.push(`${file}:${index + 1}: ${JSON.stringify(match[0])}: ${why}`);
    }
    const prose = file.endsWith('.md') || /^\s*(\/\/|\*|\/\*)/.test(line);
    if (!prose) return;
    for (const match of line.matchAll(/\bdocs\/([\w-]+\.md)/g)) {
      if (!existsSync(join(root, 'docs', match[1]))) {
        problems.push(`${file}:${index + 1}: docs/${match[1]} is not in the repository`);
      }
    }
  });
}

if (problems.length > 0) {
  process.stderr.write(`check-citations: ${problems.length} citation(s) a reader cannot follow:\n`);
  for (const problem of problems) process.stderr.write(`  ${problem}\n`);
  process.exit(1);
}
process.stdout.write(`check-citations: ${files.length} files cite only what the repository has\n`);
