// The gateway scenario alone (what `npm run bench` runs as its `gateway` key), for working on the gateway:
//   node apps/benchmark/dist/gateway-main.js [--quick] [--json FILE]
// Set VICTOR_REDIS_URL for the one-against-two-processes part.
import { writeFileSync } from 'node:fs';
import { loadavg } from 'node:os';
import { gatewayScenario } from './gateway-scenario.js';

const quick = process.argv.includes('--quick');
const jsonIndex = process.argv.indexOf('--json');
const result = {
  gateway: await gatewayScenario(quick),
  mode: quick ? 'quick' : 'full',
  loadAverage: loadavg().map((value) => Math.round(value * 100) / 100),
  date: new Date().toISOString(),
};
const text = `${JSON.stringify(result, null, 2)}\n`;
if (jsonIndex > 0 && process.argv[jsonIndex + 1]) writeFileSync(process.argv[jsonIndex + 1]!, text);
else process.stdout.write(text);
