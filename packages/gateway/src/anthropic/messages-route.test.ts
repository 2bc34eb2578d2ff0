import Anthropic from '@anthropic-ai/sdk';
import { createLoopbackServer, type LoopbackServer } from '@victor-ai/provider-pool/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { hashApiKey } from '../api-keys.js';
import { parseGatewayConfig } from '../config/gateway-config.js';
import { type Gateway, startGateway } from '../gateway.js';

// The official Anthropic client against the gateway's Messages route, translated to an OpenAI-compatible
// endpoint (the loopback model) and back.

let upstream: LoopbackServer;
let gateway: Gateway;
let client: Anthropic;

beforeAll(async () => {
  upstream = await createLoopbackServer({
    reply: (seen) => {
      const messages = seen.body.messages as Array<{ role: string; content: unknown }>;
      const last = messages.at(-1)!;
      if (last.role === 'tool') return { text: `the tool said ${String(last.content)}` };
      const tools = seen.body.tools as unknown[] | undefined;
      if (tools && tools.length > 0) {
        return { toolCalls: [{ id: 'call_7', name: 'get_weather', arguments: { city: 'Oslo' } }] };
      }
      return undefined;
    },
  });
  gateway = await startGateway({
    config: parseGatewayConfig({
      endpoints: { upstream: { type: 'openai-compatible', baseURL: upstream.baseURL, model: 'loopback-1' } },
      routes: [{ alias: 'claude-offline', endpoints: ['upstream'], maxAttempts: 1 }],
      keys: [{ id: 'cli', hash: hashApiKey('sk-ant-test') }],
      logging: { level: 'silent' },
    }),
    port: 0,
  });
  client = new Anthropic({ baseURL: gateway.url, apiKey: 'sk-ant-test', maxRetries: 0 });
});

afterAll(async () => {
  await gateway.close(0);
  await upstream.close();
});

const tools: Anthropic.Tool[] = [
  {
    name: 'get_weather',
    description: 'Weather',
    input_schema: { type: 'object', properties: { city: { type: 'string' } } },
  },
];

describe('POST /v1/messages with the Anthropic client', () => {
  it('answers a message, with the system prompt passed on', async () => {
    const message = await client.messages.create({
      model: 'claude-offline',
      max_tokens: 100,
      system: 'Be brief.',
      messages: [{ role: 'user', content: 'hello anthropic' }],
    });
    expect(message.type).toBe('message');
    expect(message.id).toMatch(/^msg_/);
    expect(message.content).toEqual([{ type: 'text', text: 'You said: hello anthropic' }]);
    expect(message.stop_reason).toBe('end_turn');
    expect(message.usage.output_tokens).toBeGreaterThan(0);
    const sent = upstream.requests.at(-1)!.body;
    expect(sent.messages).toEqual([
      { role: 'system', content: 'Be brief.' },
      { role: 'user', content: 'hello anthropic' },
    ]);
    expect(sent.max_tokens ?? sent.max_completion_tokens).toBe(100);
  });

  it('streams a message the client assembles', async () => {
    const stream = client.messages.stream({
      model: 'claude-offline',
      max_tokens: 100,
      messages: [{ role: 'user', content: 'stream anthropic' }],
    });
    let text = '';
    stream.on('text', (delta) => {
      text += delta;
    });
    const final = await stream.finalMessage();
    expect(text).toBe('You said: stream anthropic');
    expect(final.content).toMatchObject([{ type: 'text', text: 'You said: stream anthropic' }]);
    expect(final.stop_reason).toBe('end_turn');
  });

  it('returns tool use, streaming and not, and takes the tool result back', async () => {
    const message = await client.messages.create({
      model: 'claude-offline',
      max_tokens: 100,
      tools,
      messages: [{ role: 'user', content: 'weather in Oslo?' }],
    });
    expect(message.stop_reason).toBe('tool_use');
    const use = message.content.find((block) => block.type === 'tool_use') as Anthropic.ToolUseBlock;
    expect(use).toMatchObject({ id: 'call_7', name: 'get_weather', input: { city: 'Oslo' } });
    const streamed = await client.messages
      .stream({
        model: 'claude-offline',
        max_tokens: 100,
        tools,
        messages: [{ role: 'user', content: 'weather?' }],
      })
      .finalMessage();
    expect(streamed.content.find((block) => block.type === 'tool_use')).toMatchObject({
      name: 'get_weather',
      input: { city: 'Oslo' },
    });
    const followUp = await client.messages.create({
      model: 'claude-offline',
      max_tokens: 100,
      tools,
      messages: [
        { role: 'user', content: 'weather in Oslo?' },
        { role: 'assistant', content: message.content },
        { role: 'user', content: [{ type: 'tool_result', tool_use_id: 'call_7', content: 'sunny' }] },
      ],
    });
    expect(followUp.content).toEqual([{ type: 'text', text: 'the tool said sunny' }]);
    const sent = upstream.requests.at(-1)!.body.messages as Array<Record<string, unknown>>;
    expect(sent.at(-1)).toMatchObject({ role: 'tool', tool_call_id: 'call_7', content: 'sunny' });
  });

  it('answers errors in Anthropic format: 401, 404, 400', async () => {
    const stranger = new Anthropic({ baseURL: gateway.url, apiKey: 'sk-wrong', maxRetries: 0 });
    const unauthorized = await stranger.messages
      .create({ model: 'claude-offline', max_tokens: 10, messages: [{ role: 'user', content: 'x' }] })
      .catch((error: unknown) => error);
    expect(unauthorized).toBeInstanceOf(Anthropic.AuthenticationError);
    expect((unauthorized as InstanceType<typeof Anthropic.AuthenticationError>).error).toMatchObject({
      type: 'error',
      error: { type: 'authentication_error' },
    });
    await expect(
      client.messages.create({ model: 'nope', max_tokens: 10, messages: [{ role: 'user', content: 'x' }] }),
    ).rejects.toBeInstanceOf(Anthropic.NotFoundError);
    const bad = await client.messages
      .create({ model: 'claude-offline', max_tokens: 10, messages: [] })
      .catch((error: unknown) => error);
    expect(bad).toBeInstanceOf(Anthropic.BadRequestError);
    expect((bad as InstanceType<typeof Anthropic.BadRequestError>).error).toMatchObject({
      error: { type: 'invalid_request_error', message: expect.stringContaining('messages') },
    });
  });
});
