import { createAgent } from '@victor-ai/coordinators';
import { defineTool, type Tool, type ToolMiddleware } from '@victor-ai/core';
import { createToolMiddlewareChain, createValidationMiddleware } from '@victor-ai/middleware';
import { generateText, jsonSchema, stepCountIs, tool } from 'ai';
import { describe, expect, it, vi } from 'vitest';
import { z } from 'zod';
import { useLoopbackProvider } from './__fixtures__/loopback.js';
import { fromAISDKTools, toAISDKTools } from './tools.js';
import { createVictorLanguageModel } from './victor-language-model.js';

const loopback = useLoopbackProvider();

const add = defineTool({
  definition: {
    name: 'add',
    description: 'Add two numbers',
    parameters: z.object({ a: z.number(), b: z.number() }),
    readOnly: true,
  },
  execute: ({ a, b }) => a + b,
});

const shout: Tool = {
  definition: {
    name: 'shout',
    description: 'Upper-case a text',
    parameters: { type: 'object', properties: { text: { type: 'string' } }, required: ['text'] },
  },
  execute: ({ text }) => String(text).toUpperCase(),
};

describe('toAISDKTools', () => {
  it('refuses two tools of the same name, naming the index', () => {
    expect(() => toAISDKTools([add, add])).toThrow(
      /tools\[1\].definition.name must be a unique name, got "add"/,
    );
  });

  it('gives the AI SDK the JSON Schema of zod and JSON Schema parameters', async () => {
    loopback.server.enqueue({ text: 'ok' });
    await generateText({
      model: createVictorLanguageModel({ provider: loopback.provider, model: 'm' }),
      prompt: 'x',
      tools: toAISDKTools([add, shout]),
    });
    const tools = loopback.server.requests[0]!.body.tools as Array<{
      function: { name: string; parameters: unknown };
    }>;
    expect(tools.map((entry) => entry.function.name)).toEqual(['add', 'shout']);
    expect(tools[0]!.function.parameters).toMatchObject({
      type: 'object',
      properties: { a: { type: 'number' }, b: { type: 'number' } },
    });
    expect(tools[1]!.function.parameters).toEqual(shout.definition.parameters);
  });

  it('runs Victor tools in a generateText tool loop', async () => {
    loopback.server.enqueue(
      {
        toolCalls: [
          { id: 'c1', name: 'add', arguments: { a: 2, b: 3 } },
          { id: 'c2', name: 'shout', arguments: { text: 'hi' } },
        ],
      },
      { text: 'five and HI' },
    );
    const result = await generateText({
      model: createVictorLanguageModel({ provider: loopback.provider, model: 'm' }),
      prompt: 'x',
      tools: toAISDKTools([add, shout]),
      stopWhen: stepCountIs(3),
    });
    expect(result.text).toBe('five and HI');
    expect(result.steps[0]!.toolResults.map((entry) => entry.output)).toEqual([5, 'HI']);
  });

  it("runs every call through Victor's middleware chain, a block reaching the model as a tool error", async () => {
    const seen: string[] = [];
    const blockShout: ToolMiddleware = {
      name: 'no-shouting',
      appliesTo: { names: ['shout'] },
      before: (call) => {
        seen.push(call.id);
        return { type: 'block', code: 'NO_SHOUTING', reason: 'shouting is not allowed' };
      },
    };
    const chain = createToolMiddlewareChain([createValidationMiddleware(), blockShout]);
    loopback.server.enqueue(
      {
        toolCalls: [
          { id: 'c1', name: 'shout', arguments: { text: 'hi' } },
          { id: 'c2', name: 'add', arguments: { a: 1, b: 1 } },
        ],
      },
      { text: 'sorry' },
    );
    const result = await generateText({
      model: createVictorLanguageModel({ provider: loopback.provider, model: 'm' }),
      prompt: 'x',
      tools: toAISDKTools([add, shout], { middleware: chain }),
      stopWhen: stepCountIs(3),
    });
    expect(seen).toEqual(['c1']);
    const [blocked, added] = result.steps[0]!.content.filter(
      (part) => part.type === 'tool-error' || part.type === 'tool-result',
    );
    expect(blocked).toMatchObject({ type: 'tool-error', toolName: 'shout' });
    expect(String((blocked as { error: Error }).error.message)).toContain('NO_SHOUTING');
    expect(added).toMatchObject({ type: 'tool-result', toolName: 'add', output: 2 });
    const toolMessages = (
      loopback.server.requests[1]!.body.messages as Array<Record<string, unknown>>
    ).filter((message) => message.role === 'tool');
    expect(String(toolMessages[0]!.content)).toContain('shouting is not allowed');
  });

  it("passes the AI SDK's abort signal and the given context to the tool", async () => {
    const execute = vi.fn(() => 'done');
    const tools = toAISDKTools([{ definition: { ...shout.definition, name: 'probe' }, execute }], {
      context: { tenantId: 't1' },
    });
    loopback.server.enqueue({ toolCalls: [{ name: 'probe', arguments: { text: 'x' } }] });
    const controller = new AbortController();
    await generateText({
      model: createVictorLanguageModel({ provider: loopback.provider, model: 'm' }),
      prompt: 'x',
      tools,
      abortSignal: controller.signal,
    });
    expect(execute).toHaveBeenCalledWith({ text: 'x' }, expect.objectContaining({ tenantId: 't1' }));
    const context = (execute.mock.calls[0] as unknown[])[1] as { abortSignal?: AbortSignal };
    expect(context.abortSignal).toBeInstanceOf(AbortSignal);
  });
});

describe('fromAISDKTools', () => {
  const weather = tool({
    description: 'Weather in a city',
    inputSchema: z.object({ city: z.string(), unit: z.enum(['C', 'F']).default('C') }),
    execute: async ({ city, unit }) => `${city}: 20 ${unit}`,
  });
  const echo = tool({
    description: 'Echo a text',
    inputSchema: jsonSchema<{ text: string }>({
      type: 'object',
      properties: { text: { type: 'string' } },
      required: ['text'],
    }),
    execute: async ({ text }) => text,
  });

  it('turns AI SDK tools into Victor tool definitions with JSON Schema parameters', () => {
    const [weatherTool, echoTool] = fromAISDKTools({ weather, echo }, { category: 'demo', readOnly: true });
    expect(weatherTool!.definition).toMatchObject({
      name: 'weather',
      description: 'Weather in a city',
      category: 'demo',
      readOnly: true,
      parameters: { type: 'object', properties: { city: { type: 'string' } } },
    });
    expect(weatherTool!.definition.parameters).not.toHaveProperty('$schema');
    expect(echoTool!.definition.parameters).toEqual({
      type: 'object',
      properties: { text: { type: 'string' } },
      required: ['text'],
    });
  });

  it('validates arguments with the zod schema (defaults applied) before running the tool', async () => {
    const [weatherTool] = fromAISDKTools({ weather });
    expect(await weatherTool!.execute({ city: 'Oslo' }, {})).toBe('Oslo: 20 C');
    await expect(weatherTool!.execute({ city: 42 }, {})).rejects.toMatchObject({
      code: 'INVALID_ARGUMENTS',
      message: expect.stringContaining('"weather"'),
    });
  });

  it('gives the last value of a streaming execute', async () => {
    const [progress] = fromAISDKTools({
      progress: tool({
        inputSchema: z.object({}),
        async *execute() {
          yield 'working';
          yield 'finished';
        },
      }),
    });
    expect(await progress!.execute({}, {})).toBe('finished');
  });

  it('refuses tools without execute and provider-executed tools', () => {
    expect(() => fromAISDKTools({ client: tool({ inputSchema: z.object({}) }) as never })).toThrow(
      /tools.client.execute must be a function/,
    );
    expect(() =>
      fromAISDKTools({
        search: { type: 'provider', id: 'x.search', args: {}, inputSchema: z.object({}) } as never,
      }),
    ).toThrow(/tools.search must be a function tool/);
  });

  it("runs AI SDK tools in a Victor agent through Victor's validation middleware", async () => {
    loopback.server.enqueue(
      { toolCalls: [{ id: 'c1', name: 'weather', arguments: { city: 7 } }] },
      { toolCalls: [{ id: 'c2', name: 'weather', arguments: { city: 'Lima' } }] },
      { text: 'Lima is warm' },
    );
    const agent = createAgent({
      provider: loopback.provider,
      model: 'm',
      tools: fromAISDKTools({ weather, echo }),
      middleware: [createValidationMiddleware()],
    });
    try {
      const turn = await agent.chat('weather in Lima?');
      expect(turn.text).toBe('Lima is warm');
      expect(turn.toolResults).toEqual([
        expect.objectContaining({ ok: false, error: expect.objectContaining({ code: 'INVALID_ARGUMENTS' }) }),
        expect.objectContaining({ ok: true, output: 'Lima: 20 C' }),
      ]);
    } finally {
      await agent.close();
    }
  });
});
