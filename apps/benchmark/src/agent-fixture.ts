import { type Agent, createAgent } from '@victor-ai/coordinators';
import type { Message, Provider, Tool, ToolDefinition } from '@victor-ai/core';
import {
  createAuditMiddleware,
  createSafetyMiddleware,
  createValidationMiddleware,
} from '@victor-ai/middleware';
import { buildChatBody, createOpenAICompatibleProvider } from '@victor-ai/provider-pool';

const SUBJECTS = [
  ['file', 'a file in the workspace'],
  ['directory', 'a directory of the workspace'],
  ['test', 'the test suite'],
  ['branch', 'a git branch'],
  ['commit', 'a git commit'],
  ['issue', 'an issue in the tracker'],
  ['package', 'an npm package dependency'],
  ['symbol', 'a code symbol such as a function or class'],
  ['process', 'a running process'],
  ['log', 'the application log'],
  ['config', 'a configuration value'],
] as const;
const VERBS = [
  ['read', 'Read'],
  ['list', 'List'],
  ['search', 'Search'],
  ['update', 'Update'],
  ['delete', 'Delete'],
] as const;

/** 55 coding-assistant tools (5 verbs x 11 subjects) with JSON Schema parameters; they never run here. */
export function benchTools(): Tool[] {
  const tools: Tool[] = [];
  for (const [subject, what] of SUBJECTS) {
    for (const [verb, Verb] of VERBS) {
      const definition: ToolDefinition = {
        name: `${verb}_${subject}`,
        description: `${Verb} ${what}. Use it when the user asks to ${verb} ${subject}s about a topic.`,
        parameters: {
          type: 'object',
          properties: {
            path: { type: 'string', description: `Path or name of the ${subject}` },
            query: { type: 'string', description: 'Words to look for' },
            limit: { type: 'integer', minimum: 1, maximum: 100 },
          },
          required: ['path'],
          additionalProperties: false,
        },
        category: subject,
        readOnly: verb === 'read' || verb === 'list' || verb === 'search',
        ...(verb === 'update' && subject === 'process' ? { tags: ['shell'] } : {}),
      };
      tools.push({ definition, execute: () => `${verb} ${subject}` });
    }
  }
  return tools;
}

/** The system prompt of the measured agent. */
export const AGENT_SYSTEM_PROMPT = 'You are a coding assistant. Use the tools when they help.';
/** One turn of the measured agent: it selects a few tools, and the model answers with text. */
export const AGENT_MESSAGES: readonly Message[] = [
  { role: 'user', content: 'Search the files about foxes and read the log.' },
];
/** Tools offered per turn after selection. */
export const AGENT_K = 8;
/** The loopback model's name. */
export const MODEL = 'loopback-1';

const TOPICS = (
  'foxes rivers parsers tokens caches sockets queues tenants metrics schemas routers workers budgets ' +
  'streams retries circuits indexes vectors prompts agents'
).split(' ');

/**
 * Distinct turns, sent in a cycle. The measured agent's selection cache is off (`cacheSize: 0`), so every
 * selection is computed, as it is for real users' messages (which never repeat, and which a full default
 * cache does not admit). Each names a verb and a subject of the tools.
 */
export function agentTurns(count = 2000): Array<readonly Message[]> {
  const turns: Array<readonly Message[]> = [];
  for (let i = 0; i < count; i++) {
    const [verb] = VERBS[i % VERBS.length]!;
    const [subject] = SUBJECTS[Math.floor(i / VERBS.length) % SUBJECTS.length]!;
    const topic = TOPICS[i % TOPICS.length]!;
    const other = TOPICS[Math.floor(i / TOPICS.length) % TOPICS.length]!;
    turns.push([{ role: 'user', content: `${verb} the ${subject}s about ${topic} and ${other}, turn ${i}` }]);
  }
  return turns;
}

/**
 * The agent the benchmark measures: 55 tools, lexical selection on and computed every turn (its result
 * cache off), three middlewares, response cache off.
 */
export function createBenchAgent(baseURL: string, connections: number): Agent {
  return createBenchAgentWith(createOpenAICompatibleProvider({ baseURL, connections }));
}

function createBenchAgentWith(provider: Provider): Agent {
  return createAgent({
    provider,
    model: MODEL,
    systemPrompt: AGENT_SYSTEM_PROMPT,
    tools: benchTools(),
    toolSelection: { k: AGENT_K, minTools: AGENT_K, cacheSize: 0 },
    middleware: [
      createSafetyMiddleware({ workspaceRoot: '/tmp/victor-bench' }),
      createValidationMiddleware(),
      createAuditMiddleware({ log: () => {} }),
    ],
  });
}

/**
 * The exact bodies the agent sends for `turns`, captured once from the same agent configuration over a
 * provider that records what it is asked, so the raw baseline sends the same bytes (same system prompt,
 * same selected tools) without doing any of the work per request.
 */
export async function agentEquivalentBodies(
  turns: ReadonlyArray<readonly Message[]>,
  stream: boolean,
): Promise<string[]> {
  const bodies: string[] = [];
  const text = 'captured';
  const recorder: Provider = {
    id: 'recorder',
    async chat(request) {
      bodies.push(buildChatBody(request, stream, true));
      return {
        message: { role: 'assistant', content: text },
        text,
        toolCalls: [],
        finishReason: 'stop',
        usage: { inputTokens: 0, outputTokens: 0 },
      };
    },
    stream() {
      throw new Error('the recorder only records chat requests');
    },
    close: async () => {},
  };
  const agent = createBenchAgentWith(recorder);
  for (const messages of turns) await agent.chat(messages);
  await agent.close();
  return bodies;
}
