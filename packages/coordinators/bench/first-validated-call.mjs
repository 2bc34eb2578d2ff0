// The first validated tool call with and without the validation middleware's prepare() (what createAgent
// runs for each tool before the first turn). Each sample runs in a fresh process, so Ajv is loaded and
// compiles from cold each time, as in a new agent. Usage: node bench/first-validated-call.mjs [samples]
import { execFileSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';

const samples = Number(process.argv[2] ?? 7);

if (process.env.FIRST_CALL_MODE) {
  const { createValidationMiddleware } = await import('@victor-ai/middleware');
  const { z } = await import('zod');
  const definition = {
    name: 'read_file',
    description: 'read a file',
    parameters: z.object({
      path: z.string(),
      offset: z.number().int().optional(),
      limit: z.number().optional(),
    }),
  };
  const middleware = createValidationMiddleware();
  const call = { id: '1', name: 'read_file', arguments: { path: 'a.txt', limit: 10 } };
  let prepareMs = 0;
  if (process.env.FIRST_CALL_MODE === 'prepared') {
    const started = performance.now();
    middleware.prepare(definition);
    prepareMs = performance.now() - started;
  }
  const started = performance.now();
  middleware.before(call, { definition });
  const firstMs = performance.now() - started;
  const again = performance.now();
  middleware.before(call, { definition });
  const secondMs = performance.now() - again;
  process.stdout.write(JSON.stringify({ prepareMs, firstMs, secondMs }));
} else {
  const self = fileURLToPath(import.meta.url);
  const median = (values) => values.sort((a, b) => a - b)[Math.floor(values.length / 2)];
  const rows = [];
  for (const mode of ['cold', 'prepared']) {
    const runs = [];
    for (let i = 0; i < samples; i++) {
      const output = execFileSync(process.execPath, [self], {
        env: { ...process.env, FIRST_CALL_MODE: mode },
      });
      runs.push(JSON.parse(String(output)));
    }
    rows.push({
      mode,
      'prepare ms (p50)': median(runs.map((run) => run.prepareMs)).toFixed(2),
      'first call ms (p50)': median(runs.map((run) => run.firstMs)).toFixed(3),
      'second call ms (p50)': median(runs.map((run) => run.secondMs)).toFixed(3),
    });
  }
  console.table(rows);
}
