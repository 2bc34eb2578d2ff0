#!/usr/bin/env node
// Compares a benchmark result with a committed baseline by ratio, with a tolerance per metric.
// Usage: node tools/check-performance.mjs RESULT.json BASELINE.json
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

const [resultFile, baselineFile] = process.argv.slice(2);
if (!resultFile || !baselineFile) {
  console.error('usage: node tools/check-performance.mjs RESULT.json BASELINE.json');
  process.exit(2);
}
try {
  const raw = JSON.parse(readFileSync(resultFile, 'utf8'));
  const result = raw.metrics && typeof raw.metrics === 'object' ? raw : { metrics: flatten(raw, '', {}) };
  const baseline = JSON.parse(readFileSync(baselineFile, 'utf8'));
  const comparison = comparePerformance(result, baseline);
  process.stdout.write(formatPerformanceTable(comparison));
  process.exitCode = comparison.regressions > 0 ? 1 : 0;
} catch (error) {
  console.error(`check-performance: ${error instanceof Error ? error.message : String(error)}`);
  process.exit(2);
}
