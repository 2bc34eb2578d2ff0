// Middleware chain overhead, measured against calling the tool directly in the same run.
// Usage (after `pnpm build`): node bench/chain.bench.mjs [--rounds N] [--time MS]
// Each task runs BATCH calls per sample, so that timer overhead does not swamp sub-microsecond costs.
// Tasks run in interleaved rounds (A, B, C, A, B, C, ...); the summary reports the median over rounds.
import { Bench } from 'tinybench';
import {
  analyzeCommand,
  createRateLimitMiddleware,
  createSafetyMiddleware,
  createToolMiddlewareChain,
  createValidationMiddleware,
} from '../dist/index.js';

const argv = process.argv.slice(2);
const option = (name, fallback) => {
  const index = argv.indexOf(name);
  return index === -1 ? fallback : Number(argv[index + 1]);
};
const ROUNDS = option('--rounds', 5);
const TIME_MS = option('--time', 300);
const BATCH = 1000;

const definition = {
  name: 'read_file',
  description: 'reads a file',
  parameters: { type: 'object', properties: { path: { type: 'string' } }, required: ['path'] },
  category: 'filesystem',
  tags: ['fs'],
};
const shellDefinition = {
  name: 'run_shell',
  description: 'runs a command',
  parameters: { type: 'object', properties: { command: { type: 'string' } }, required: ['command'] },
  tags: ['shell'],
};
const tool = { definition, execute: (args) => args.path };
const asyncTool = { definition, execute: async (args) => args.path };
const shellTool = { definition: shellDefinition, execute: (args) => args.command };
const call = { id: 'call-1', name: 'read_file', arguments: { path: 'src/index.ts' } };
const shellCall = {
  id: 'call-2',
  name: 'run_shell',
  arguments: { command: 'git status --short && npm test' },
};
const context = { tenantId: 'tenant-1' };

// Ten registered middlewares, three of which apply to read_file (by name, by tag, by category).
let counter = 0;
const middlewares = [
  {
    name: 'applies-by-name',
    priority: 10,
    appliesTo: { names: ['read_file'] },
    before: (c) =>
      typeof c.arguments.path === 'string' ? undefined : { type: 'block', code: 'X', reason: 'path' },
  },
  {
    name: 'applies-by-tag',
    priority: 20,
    appliesTo: { tags: ['fs'] },
    before: () => {
      counter++;
      return undefined;
    },
  },
  {
    name: 'applies-by-category',
    priority: 30,
    appliesTo: { categories: ['filesystem'] },
    before: () => ({ type: 'pass' }),
  },
];
for (let index = 0; index < 7; index++) {
  middlewares.push({
    name: `other-${index}`,
    priority: index * 10,
    appliesTo: { tags: [`other-${index}`] },
    before: () => undefined,
  });
}
const chain = createToolMiddlewareChain(middlewares);
const unmeasuredChain = createToolMiddlewareChain(middlewares, { measureDuration: false });
const asyncChain = createToolMiddlewareChain([
  ...middlewares,
  { name: 'async-one', priority: 40, appliesTo: { names: ['read_file'] }, before: async () => undefined },
]);
const builtins = createToolMiddlewareChain([
  createSafetyMiddleware({ workspaceRoot: process.cwd() }),
  createValidationMiddleware(),
  createRateLimitMiddleware({ limit: { capacity: 1e12, refillPerSecond: 1e12 } }),
]);
const chainContext = { ...context, definition };

// Correctness checks before timing: the chains must pass these calls and return the tool's output.
const check = (label, value) => {
  if (!value) throw new Error(`benchmark self-check failed: ${label}`);
};
check('sync before is synchronous', chain.before(call, chainContext).proceed === true);
check('sync execute', chain.execute(tool, call, context).output === 'src/index.ts');
check('async before', (await asyncChain.before(call, chainContext)).proceed === true);
// The validation middleware loads ajv on its first call (a promise); every later call is synchronous.
check('builtins first pass', (await builtins.execute(shellTool, shellCall, context)).ok === true);
check('builtins pass', builtins.execute(shellTool, shellCall, context).ok === true);
check(
  'builtins block',
  builtins.execute(shellTool, { ...shellCall, arguments: { command: 'rm -rf /' } }, context).ok === false,
);

let sink;
const tasks = {
  'direct: tool.execute (sync)': () => {
    for (let i = 0; i < BATCH; i++) sink = tool.execute(call.arguments, context);
  },
  'chain.before: 10 registered, 3 apply, sync': () => {
    for (let i = 0; i < BATCH; i++) sink = chain.before(call, chainContext);
  },
  'chain.execute: 10 registered, 3 apply, sync': () => {
    for (let i = 0; i < BATCH; i++) sink = chain.execute(tool, call, context);
  },
  'chain.execute: same, measureDuration false': () => {
    for (let i = 0; i < BATCH; i++) sink = unmeasuredChain.execute(tool, call, context);
  },
  'direct: await tool.execute (async tool)': async () => {
    for (let i = 0; i < BATCH; i++) sink = await asyncTool.execute(call.arguments, context);
  },
  'chain.before: same + 1 async middleware': async () => {
    for (let i = 0; i < BATCH; i++) sink = await asyncChain.before(call, chainContext);
  },
  'chain.execute: safety + validation + rate-limit (shell)': () => {
    for (let i = 0; i < BATCH; i++) sink = builtins.execute(shellTool, shellCall, context);
  },
  'analyzeCommand alone (no verdict cache)': () => {
    for (let i = 0; i < BATCH; i++)
      sink = analyzeCommand(shellCall.arguments.command, { workspaceRoot: '/work' });
  },
};

const samples = Object.fromEntries(Object.keys(tasks).map((name) => [name, []]));
for (let round = 1; round <= ROUNDS; round++) {
  const bench = new Bench({ time: TIME_MS, warmupTime: round === 1 ? 1000 : 100 });
  for (const [name, fn] of Object.entries(tasks)) bench.add(name, fn);
  await bench.run();
  const line = [];
  for (const task of bench.tasks) {
    const perCallNs = (task.result.latency.p50 * 1e6) / BATCH;
    samples[task.name].push(perCallNs);
    line.push(`${perCallNs.toFixed(0)}`);
  }
  console.log(`round ${round}: ${line.join(' / ')} ns per call`);
}
void sink;
void counter;

const median = (values) => {
  const sorted = [...values].sort((a, b) => a - b);
  const middle = sorted.length >> 1;
  return sorted.length % 2 ? sorted[middle] : (sorted[middle - 1] + sorted[middle]) / 2;
};
const medians = Object.fromEntries(Object.entries(samples).map(([name, values]) => [name, median(values)]));
console.log(
  `\nmedian of ${ROUNDS} interleaved rounds (p50 of ${BATCH}-call batches, per call), Node ${process.version}`,
);
console.table(Object.entries(medians).map(([task, ns]) => ({ task, 'ns/call': Number(ns.toFixed(1)) })));
const direct = medians['direct: tool.execute (sync)'];
const before = medians['chain.before: 10 registered, 3 apply, sync'];
const execute = medians['chain.execute: 10 registered, 3 apply, sync'];
const asyncDirect = medians['direct: await tool.execute (async tool)'];
const asyncBefore = medians['chain.before: same + 1 async middleware'];
const builtinsNs = medians['chain.execute: safety + validation + rate-limit (shell)'];
const unmeasured = medians['chain.execute: same, measureDuration false'];
const analysis = medians['analyzeCommand alone (no verdict cache)'];
console.log(
  `before pass (10 registered, 3 apply, sync): ${before.toFixed(0)} ns/call; budget 1000 ns: ${before <= 1000 ? 'met' : 'NOT met'}`,
);
console.log(
  // No ratio: the bare call is inlined by V8 (about 1 ns), so a multiple of it means nothing.
  `execute overhead over a direct sync call: +${(execute - direct).toFixed(0)} ns/call`,
);
console.log(
  `one async middleware: before pass ${asyncBefore.toFixed(0)} ns/call, +${(asyncBefore - before).toFixed(0)} ns over the sync pass; an awaited async tool call alone: ${asyncDirect.toFixed(0)} ns`,
);
console.log(`execute overhead without durationMs: +${(unmeasured - direct).toFixed(0)} ns/call`);
console.log(
  `built-in guards (safety + validation + rate limit) on a repeated shell call: +${(builtinsNs - direct).toFixed(0)} ns/call over a direct call`,
);
console.log(`analysing a new command (what the verdict cache saves on a repeat): ${analysis.toFixed(0)} ns`);
