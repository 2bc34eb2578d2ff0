#!/usr/bin/env node
// Compares a benchmark result with a committed baseline by ratio, with a tolerance per metric.
// Usage: node tools/check-performance.mjs RESULT.json BASELINE.json [--all]
// RESULT may be any JSON report: nested numbers are read as dotted names (overhead.p50Us). Exits 1 on a
// regression, 2 on bad input.
import { readFileSync } from 'node:fs';
import { comparePerformance, formatPerformanceTable } from '@victor-ai/metrics';

function flatten(value, prefix, out) {
  if (typeof value === 'number') out[prefix] = value;
  else if (value && typeof value === 'object' && !Array.isArray(value)) {
    for (const [key, item] of Object.entries(value)) flatten(item, prefix ? `${prefix}.${key}` : key, out);
  }
  return out;
}

const [resultFile, baselineFile] = process.argv.slice(2).filter((arg) => arg !== '--all');
if (!resultFile || !baselineFile) {
  console.error('usage: node tools/check-performance.mjs RESULT.json BASELINE.json');
  process.exit(2);
}
try {
  const raw = JSON.parse(readFileSync(resultFile, 'utf8'));
  const result = raw.metrics && typeof raw.metrics === 'object' ? raw : { metrics: flatten(raw, '', {}) };
  const baseline = JSON.parse(readFileSync(baselineFile, 'utf8'));
  const comparison = comparePerformance(result, baseline);
  // Only the baseline's metrics are shown: the rest of a quick run (absolute times among them) is not a
  // result; --all lists them too.
  const shown = process.argv.includes('--all')
    ? comparison
    : { ...comparison, rows: comparison.rows.filter((row) => row.status !== 'new') };
  process.stdout.write(formatPerformanceTable(shown));
  const hidden = comparison.rows.length - shown.rows.length;
  if (hidden > 0)
    process.stdout.write(`(${hidden} metrics without a baseline not shown; --all lists them)\n`);
  process.exitCode = comparison.regressions > 0 ? 1 : 0;
} catch (error) {
  console.error(`check-performance: ${error instanceof Error ? error.message : String(error)}`);
  process.exit(2);
}
