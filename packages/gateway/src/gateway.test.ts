import type { LoopbackServer } from '@victor-ai/provider-pool/testing';
import { createLoopbackServer } from '@victor-ai/provider-pool/testing';
import OpenAI from 'openai';
import { request } from 'undici';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { hashApiKey } from './api-keys.js';
import { type GatewayConfig, parseGatewayConfig } from './config/gateway-config.js';
import { type Gateway, startGateway } from './gateway.js';

let upstream: LoopbackServer;
let gateway: Gateway;
let client: OpenAI;

const KEY = 'sk-test-main';
const OTHER_KEY = 'sk-test-other';
const LIMITED_KEY = 'sk-test-limited';
const BUDGET_KEY = 'sk-test-budget';

beforeAll(async () => {
  upstream = await createLoopbackServer({
    chunkGapMs: 5,
    reply: (seen) => {
      const messages = seen.body.messages as Array<{ content: unknown }>;
      const last = messages.at(-1)?.content;
      if (last === 'fail hard') return { kind: 'status', status: 500, body: { error: { message: 'boom' } } };
      if (last === 'long stream') return { text: 'word '.repeat(400) };
      const tools = seen.body.tools as unknown[] | undefined;
      if (tools && tools.length > 0) {
        return { toolCalls: [{ id: 'call_1', name: 'get_weather', arguments: { city: 'Paris' } }] };
      }
      return undefined;
    },
  });
  const config: GatewayConfig = parseGatewayConfig({
    server: { limits: { maxBodyBytes: 100_000 } },
    endpoints: {
      upstream: { type: 'openai-compatible', baseURL: upstream.baseURL, model: 'loopback-1' },
      offline: { type: 'loopback' },
    },
    routes: [
      { alias: 'main', endpoints: ['upstream'], maxAttempts: 1 },
      { alias: 'offline', endpoints: ['offline'] },
    ],
    keys: [
      { id: 'main', hash: hashApiKey(KEY) },
      { id: 'other', hash: hashApiKey(OTHER_KEY), models: ['offline', 'main'] },
      { id: 'limited', hash: hashApiKey(LIMITED_KEY), requestsPerMinute: 2, models: ['offline'] },
      { id: 'budget', hash: hashApiKey(BUDGET_KEY), budget: { tokens: 20, period: 'day' } },
    ],
    cache: { type: 'memory' },
    logging: { level: 'silent' },
  });
  gateway = await startGateway({ config, port: 0 });
  client = new OpenAI({ baseURL: `${gateway.url}/v1`, apiKey: KEY, maxRetries: 0 });
});

afterAll(async () => {
  await gateway.close(0);
  await upstream.close();
});

describe('startGateway with the openai client', () => {
  it('answers a chat completion through a route alias', async () => {
    const completion = await client.chat.completions.create({
      model: 'main',
      messages: [{ role: 'user', content: 'hello there' }],
    });
    expect(completion.object).toBe('chat.completion');
    expect(completion.choices[0]!.message.content).toBe('You said: hello there');
    expect(upstream.requests.at(-1)!.body.model).toBe('loopback-1');
  });

  it('streams a chat completion with usage', async () => {
    const stream = await client.chat.completions.create({
      model: 'offline',
      messages: [{ role: 'user', content: 'stream me' }],
      stream: true,
      stream_options: { include_usage: true },
    });
    let text = '';
    let usage: OpenAI.CompletionUsage | null | undefined;
    for await (const chunk of stream) {
      text += chunk.choices[0]?.delta.content ?? '';
      if (chunk.usage) usage = chunk.usage;
    }
    expect(text).toBe('You said: stream me');
    expect(usage!.total_tokens).toBeGreaterThan(0);
  });

  it('passes tools and returns tool calls, streaming and not', async () => {
    const tools: OpenAI.ChatCompletionTool[] = [
      {
        type: 'function',
        function: {
          name: 'get_weather',
          parameters: { type: 'object', properties: { city: { type: 'string' } } },
        },
      },
    ];
    const completion = await client.chat.completions.create({
      model: 'main',
      messages: [{ role: 'user', content: 'weather?' }],
      tools,
    });
    expect(completion.choices[0]!.finish_reason).toBe('tool_calls');
    const call = completion.choices[0]!.message
      .tool_calls![0]! as OpenAI.ChatCompletionMessageFunctionToolCall;
    expect(JSON.parse(call.function.arguments)).toEqual({ city: 'Paris' });
    const stream = client.chat.completions.stream({
      model: 'main',
      messages: [{ role: 'user', content: 'weather?' }],
      tools,
    });
    const final = await stream.finalChatCompletion();
    const streamed = final.choices[0]!.message
      .tool_calls![0]! as OpenAI.ChatCompletionMessageFunctionToolCall;
    expect(streamed.function.name).toBe('get_weather');
  });

  it('refuses a missing or wrong key with 401 in the OpenAI error format', async () => {
    const stranger = new OpenAI({ baseURL: `${gateway.url}/v1`, apiKey: 'sk-wrong', maxRetries: 0 });
    await expect(
      stranger.chat.completions.create({ model: 'main', messages: [{ role: 'user', content: 'x' }] }),
    ).rejects.toMatchObject({ status: 401, error: { type: 'authentication_error', code: 'unauthorized' } });
    const anonymous = await request(`${gateway.url}/v1/models`);
    expect(anonymous.statusCode).toBe(401);
    await anonymous.body.dump();
  });

  it('keeps each remembered key to its own identity, and still refuses near misses of a known key', async () => {
    const models = async (key: string) => {
      const answer = await request(`${gateway.url}/v1/models`, {
        headers: { authorization: `Bearer ${key}` },
      });
      const body = (await answer.body.json()) as { data?: Array<{ id: string }> };
      return { status: answer.statusCode, ids: body.data?.map((model) => model.id) };
    };
    // Twice each: the second answer comes from the remembered key, and must match the first.
    for (let round = 0; round < 2; round++) {
      expect(await models(LIMITED_KEY)).toEqual({ status: 200, ids: ['offline'] });
      expect(await models(KEY)).toEqual({ status: 200, ids: ['main', 'offline'] });
      expect((await models(`${KEY}x`)).status).toBe(401);
      expect((await models(KEY.slice(0, -1))).status).toBe(401);
    }
  });

  it('answers 404 for an unknown model and for a model the key may not use', async () => {
    await expect(
      client.chat.completions.create({ model: 'nope', messages: [{ role: 'user', content: 'x' }] }),
    ).rejects.toMatchObject({ status: 404, error: { param: 'model' } });
    const limited = new OpenAI({ baseURL: `${gateway.url}/v1`, apiKey: LIMITED_KEY, maxRetries: 0 });
    expect((await limited.models.list()).data.map((model) => model.id)).toEqual(['offline']);
  });

  it('limits requests per minute per key with 429 and Retry-After', async () => {
    const limited = new OpenAI({ baseURL: `${gateway.url}/v1`, apiKey: LIMITED_KEY, maxRetries: 0 });
    const ask = () =>
      limited.chat.completions.create({ model: 'offline', messages: [{ role: 'user', content: 'x' }] });
    await ask();
    await ask();
    const refused = await ask().catch((error: unknown) => error);
    expect(refused).toBeInstanceOf(OpenAI.RateLimitError);
    const error = refused as InstanceType<typeof OpenAI.RateLimitError>;
    expect(error.error).toMatchObject({ code: 'rate_limited', type: 'rate_limit_error' });
    expect(Number(error.headers.get('retry-after'))).toBeGreaterThanOrEqual(1);
  });

  it('stops a key at its token budget, counted from the provider usage', async () => {
    const budget = new OpenAI({ baseURL: `${gateway.url}/v1`, apiKey: BUDGET_KEY, maxRetries: 0 });
    const ask = () =>
      budget.chat.completions.create({ model: 'main', messages: [{ role: 'user', content: 'spend' }] });
    const first = await ask();
    const perRequest = first.usage!.total_tokens;
    let spent = perRequest;
    while (spent < 20) {
      spent += (await ask()).usage!.total_tokens;
    }
    await expect(ask()).rejects.toMatchObject({ status: 429, error: { code: 'budget_exceeded' } });
    // Never more than one request's tokens beyond the budget when requests come one at a time.
    expect(spent - 20).toBeLessThan(perRequest);
  });

  it('scopes the response cache by API key', async () => {
    const body = {
      model: 'main',
      temperature: 0,
      messages: [{ role: 'user' as const, content: 'cache me' }],
    };
    const first = await client.chat.completions.create(body).withResponse();
    expect(first.response.headers.get('x-victor-cache')).toBe('miss');
    const again = await client.chat.completions.create(body).withResponse();
    expect(again.response.headers.get('x-victor-cache')).toBe('hit');
    const other = new OpenAI({ baseURL: `${gateway.url}/v1`, apiKey: OTHER_KEY, maxRetries: 0 });
    const theirs = await other.chat.completions.create(body).withResponse();
    expect(theirs.response.headers.get('x-victor-cache')).toBe('miss');
  });

  it('turns an upstream failure into a 502 and cancels the upstream when the client aborts', async () => {
    await expect(
      client.chat.completions.create({ model: 'main', messages: [{ role: 'user', content: 'fail hard' }] }),
    ).rejects.toMatchObject({ status: 502, error: { type: 'api_error' } });
    const cancelled = upstream.cancelledCount;
    const controller = new AbortController();
    const stream = await client.chat.completions.create(
      { model: 'main', messages: [{ role: 'user', content: 'long stream' }], stream: true },
      { signal: controller.signal },
    );
    let chunks = 0;
    try {
      for await (const _chunk of stream) {
        chunks++;
        controller.abort();
      }
    } catch {
      // The client reports the abort as an error or ends the loop, depending on when it lands.
    }
    expect(chunks).toBeGreaterThan(0);
    await expect.poll(() => upstream.cancelledCount).toBeGreaterThan(cancelled);
  });

  it('answers embeddings through a route, as floats and as base64 (the openai client default)', async () => {
    const embeddings = await client.embeddings.create({ model: 'offline', input: ['alpha', 'beta'] });
    expect(embeddings.data.map((item) => item.index)).toEqual([0, 1]);
    expect(embeddings.data[0]!.embedding).toHaveLength(8);
    const floats = await request(`${gateway.url}/v1/embeddings`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${KEY}` },
      body: JSON.stringify({ model: 'offline', input: 'alpha', encoding_format: 'float' }),
    });
    const body = (await floats.body.json()) as { data: Array<{ embedding: number[] }> };
    expect(body.data[0]!.embedding).toEqual(embeddings.data[0]!.embedding);
    await expect(client.embeddings.create({ model: 'offline', input: [] })).rejects.toMatchObject({
      status: 400,
      error: { param: 'input' },
    });
  });

  it('serves /health, /ready and /metrics without a key', async () => {
    for (const [path, status] of [
      ['/health', 200],
      ['/ready', 200],
      ['/metrics', 200],
    ] as const) {
      const answer = await request(`${gateway.url}${path}`);
      expect(answer.statusCode).toBe(status);
      const text = await answer.body.text();
      if (path === '/metrics') expect(text).toContain('victor_chat_requests_total');
      if (path === '/ready')
        expect(JSON.parse(text)).toMatchObject({ ready: true, routes: { main: ['upstream'] } });
    }
  });
});
