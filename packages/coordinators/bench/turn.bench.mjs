// The agent's own cost per turn, with the network taken out: a provider that answers at once.
// Baseline, measured in the same run: calling that provider directly. Run: pnpm --filter @victor-ai/coordinators bench
import { Bench } from 'tinybench';
import { createAgent } from '../dist/index.js';

const response = {
  message: { role: 'assistant', content: 'The quick brown fox.' },
  text: 'The quick brown fox.',
  toolCalls: [],
  finishReason: 'stop',
  usage: { inputTokens: 40, outputTokens: 9 },
};
const instant = {
  id: 'instant',
  chat: async () => response,
  async *stream() {
    yield { type: 'response-start' };
    yield { type: 'text-delta', delta: response.text };
    yield { type: 'finish', finishReason: 'stop', usage: response.usage };
  },
  close: async () => {},
};

const subjects = [
  'file',
  'directory',
  'test',
  'branch',
  'commit',
  'issue',
  'package',
  'symbol',
  'process',
  'log',
  'config',
];
const verbs = ['read', 'list', 'search', 'update', 'delete'];
const tools = subjects.flatMap((subject) =>
  verbs.map((verb) => ({
    definition: {
      name: `${verb}_${subject}`,
      description: `${verb} a ${subject}. Use it when the user asks to ${verb} ${subject}s about a topic.`,
      parameters: {
        type: 'object',
        properties: { path: { type: 'string' }, query: { type: 'string' } },
        required: ['path'],
      },
      readOnly: verb === 'read' || verb === 'list' || verb === 'search',
    },
    execute: () => `${verb} ${subject}`,
  })),
);
const guard = (name) => ({ name, before: () => undefined });
const messages = [{ role: 'user', content: 'Search the files about foxes and read the log.' }];

const bare = createAgent({ provider: instant, model: 'm', systemPrompt: 'Be brief.' });
const full = createAgent({
  provider: instant,
  model: 'm',
  systemPrompt: 'Be brief.',
  tools,
  toolSelection: { k: 8, minTools: 8 }, // 8 tools offered, as before minTools became the floor
  middleware: [guard('safety'), guard('validation'), guard('audit')],
});

// The same agent with the selector's result cache off: every selection computed, nothing cached.
const uncached = createAgent({
  provider: instant,
  model: 'm',
  systemPrompt: 'Be brief.',
  tools,
  toolSelection: { k: 8, minTools: 8, cacheSize: 0 },
  middleware: [guard('safety'), guard('validation'), guard('audit')],
});

// 2,000 distinct turns sent in a cycle, more than the selector's result cache holds (1,000). With the
// cache on, each turn's query was looked up one cycle before, so a full cache keeps admitting and dropping
// selections (an LRU's worst case): every selection is computed, and the churn costs the GC. With the cache
// off, every selection is computed and nothing is kept.
const topics = 'foxes rivers parsers tokens caches sockets queues tenants metrics schemas'.split(' ');
const distinct = Array.from({ length: 2000 }, (_, i) => [
  {
    role: 'user',
    content: `${verbs[i % 5]} the ${subjects[Math.floor(i / 5) % 11]}s about ${topics[i % 10]}, turn ${i}`,
  },
]);
let next = 0;

const bench = new Bench({ time: 1500, warmupTime: 500 });
bench
  .add('provider.chat directly (baseline)', async () => {
    await instant.chat({ model: 'm', messages });
  })
  .add('agent.chat, hot path (no tools)', async () => {
    await bare.chat(messages);
  })
  .add('agent.chat, 55 tools, selection, 3 middlewares', async () => {
    await full.chat(messages);
  })
  .add('agent.chat, 55 tools, distinct turns, selection cache off, 3 middlewares', async () => {
    await uncached.chat(distinct[next++ % distinct.length]);
  })
  .add(
    'agent.chat, 55 tools, distinct turns in a cycle, selection cache churning, 3 middlewares',
    async () => {
      await full.chat(distinct[next++ % distinct.length]);
    },
  )
  .add('agent.stream, 55 tools, selection, 3 middlewares', async () => {
    for await (const _event of full.stream(messages)) {
      // drain
    }
  });
await bench.run();
const baseline = bench.tasks[0].result.latency.p50;
console.table(
  bench.tasks.map((task) => ({
    task: task.name,
    'p50 us': (task.result.latency.p50 * 1000).toFixed(2),
    'p99 us': (task.result.latency.p99 * 1000).toFixed(2),
    'added p50 us': ((task.result.latency.p50 - baseline) * 1000).toFixed(2),
  })),
);
