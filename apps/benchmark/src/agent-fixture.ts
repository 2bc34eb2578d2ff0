import { type Agent, createAgent } from '@victor-ai/coordinators';
import type { Message, Tool, ToolDefinition } from '@victor-ai/core';
import {
  createAuditMiddleware,
  createSafetyMiddleware,
  createValidationMiddleware,
} from '@victor-ai/middleware';
import { buildChatBody, createOpenAICompatibleProvider } from '@victor-ai/provider-pool';
import { ToolRegistry, ToolSelector } from '@victor-ai/tool-selection';

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

/** The turn every agent benchmark sends: it selects a few tools, and the model answers with text. */
export const AGENT_SYSTEM_PROMPT = 'You are a coding assistant. Use the tools when they help.';
export const AGENT_MESSAGES: readonly Message[] = [
  { role: 'user', content: 'Search the files about foxes and read the log.' },
];
export const AGENT_K = 8;
export const MODEL = 'loopback-1';

/** The agent the benchmark measures: 55 tools, lexical selection on, three middlewares, cache off. */
export function createBenchAgent(baseURL: string, connections: number): Agent {
  return createAgent({
    provider: createOpenAICompatibleProvider({ baseURL, connections }),
    model: MODEL,
    systemPrompt: AGENT_SYSTEM_PROMPT,
    tools: benchTools(),
    toolSelection: { k: AGENT_K },
    middleware: [
      createSafetyMiddleware({ workspaceRoot: '/tmp/victor-bench' }),
      createValidationMiddleware(),
      createAuditMiddleware({ log: () => {} }),
    ],
  });
}

/**
 * The exact body the agent sends for `AGENT_MESSAGES`, built once, so the raw baseline sends the same
 * bytes (same system prompt, same selected tools) without doing any of the work per request.
 */
export function agentEquivalentBody(stream: boolean): string {
  const selector = new ToolSelector({ registry: new ToolRegistry(benchTools()), strategy: 'lexical' });
  const query = AGENT_MESSAGES.at(-1)!.content;
  const tools = selector.selectSync(query, { k: AGENT_K }).tools.map((tool) => tool.definition);
  return buildChatBody(
    {
      model: MODEL,
      messages: [{ role: 'system', content: AGENT_SYSTEM_PROMPT }, ...AGENT_MESSAGES],
      ...(tools.length > 0 ? { tools } : {}),
    },
    stream,
    true,
  );
}
