// Compares a benchmark JSON result with a committed baseline: prints a table, exits 1 on a regression, 2 on
// bad input. Usage: node bench/check-performance.mjs <result.json> <baseline.json>
// Example: node --expose-gc bench/histogram.bench.mjs --json > /tmp/histogram.json &&
//          node bench/check-performance.mjs /tmp/histogram.json bench/histogram.baseline.json
import { readFileSync } from 'node:fs';
import { comparePerformance, formatPerformanceTable } from '../dist/index.js';

const [resultPath, baselinePath] = process.argv.slice(2);
if (resultPath === undefined || baselinePath === undefined) {
  console.error('usage: check-performance <result.json> <baseline.json>');
  process.exit(2);
}
try {
  const comparison = comparePerformance(
    JSON.parse(readFileSync(resultPath, 'utf8')),
    JSON.parse(readFileSync(baselinePath, 'utf8')),
  );
  process.stdout.write(formatPerformanceTable(comparison));
  process.exitCode = comparison.regressions > 0 ? 1 : 0;
} catch (error) {
  console.error(`check-performance: ${error instanceof Error ? error.message : String(error)}`);
  process.exitCode = 2;
}
