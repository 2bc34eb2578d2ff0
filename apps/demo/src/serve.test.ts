import type { Provider } from '@victor-ai/core';
import { createOpenAICompatibleProvider } from '@victor-ai/provider-pool';
import { createLoopbackServer, type LoopbackServer } from '@victor-ai/provider-pool/testing';
import OpenAI from 'openai';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { CommandIO } from './assist-command.js';
import { createDemoMonitor } from './instrumentation.js';
import { offlineReply } from './offline-model.js';
import { type ServeHandle, startServe } from './serve.js';
import { serveCommand } from './serve-command.js';

let upstream: LoopbackServer;
let provider: Provider;
let serve: ServeHandle;
let client: OpenAI;
const monitor = createDemoMonitor();

beforeAll(async () => {
  upstream = await createLoopbackServer({
    reply: (request) => {
      const messages = request.body.messages as Array<{ content: unknown }>;
      if (messages.at(-1)?.content === 'fail please') {
        return { kind: 'status', status: 401, body: { error: { message: 'bad key' } } };
      }
      if (messages.at(-1)?.content === 'fail hard') {
        return { kind: 'status', status: 503, body: { error: { message: 'overloaded' } } };
      }
      const tools = request.body.tools as unknown[] | undefined;
      if (tools && tools.length > 0) {
        return { toolCalls: [{ id: 'call_weather', name: 'get_weather', arguments: { city: 'Paris' } }] };
      }
      return offlineReply(request);
    },
  });
  provider = createOpenAICompatibleProvider({ baseURL: upstream.baseURL });
  serve = await startServe({ provider, model: 'loopback-1', monitor, port: 0 });
  client = new OpenAI({ baseURL: `${serve.url}/v1`, apiKey: 'not-needed', maxRetries: 0 });
});

afterAll(async () => {
  await serve.close();
  await provider.close();
  await upstream.close();
});

describe('startServe', () => {
  it('answers a chat completion in the OpenAI format through the openai client', async () => {
    const completion = await client.chat.completions.create({
      model: 'victor',
      messages: [
        { role: 'system', content: 'Be brief.' },
        { role: 'user', content: 'What is Victor?' },
      ],
    });
    expect(completion.object).toBe('chat.completion');
    expect(completion.id).toMatch(/^chatcmpl-/);
    expect(completion.model).toBe('loopback-1');
    expect(completion.choices[0]!.finish_reason).toBe('stop');
    expect(completion.choices[0]!.message.content).toMatch(/^Victor is a runtime/);
    expect(completion.usage!.total_tokens).toBe(
      completion.usage!.prompt_tokens + completion.usage!.completion_tokens,
    );
    const sent = upstream.requests.at(-1)!.body;
    expect(sent.model).toBe('loopback-1');
    expect((sent.messages as unknown[]).length).toBe(2);
  });

  it('streams a chat completion as SSE chunks the openai client reads, with usage when asked', async () => {
    const stream = await client.chat.completions.create({
      model: 'loopback-1',
      messages: [{ role: 'user', content: 'hello there' }],
      stream: true,
      stream_options: { include_usage: true },
    });
    let text = '';
    let finish: string | null = null;
    let usage: OpenAI.CompletionUsage | undefined | null;
    let chunks = 0;
    for await (const chunk of stream) {
      chunks++;
      expect(chunk.object).toBe('chat.completion.chunk');
      const choice = chunk.choices[0];
      if (choice?.delta.content) text += choice.delta.content;
      if (choice?.finish_reason) finish = choice.finish_reason;
      if (chunk.usage) usage = chunk.usage;
    }
    expect(text).toBe('You said: hello there');
    expect(chunks).toBeGreaterThan(3);
    expect(finish).toBe('stop');
    expect(usage?.completion_tokens).toBeGreaterThan(0);
  });

  it('passes the client tools to the model and returns its tool calls, streaming and not', async () => {
    const tools: OpenAI.ChatCompletionTool[] = [
      {
        type: 'function',
        function: {
          name: 'get_weather',
          description: 'Weather of a city',
          parameters: { type: 'object', properties: { city: { type: 'string' } }, required: ['city'] },
        },
      },
    ];
    const messages: OpenAI.ChatCompletionMessageParam[] = [{ role: 'user', content: 'Weather in Paris?' }];
    const completion = await client.chat.completions.create({ model: 'victor', messages, tools });
    const message = completion.choices[0]!.message;
    expect(completion.choices[0]!.finish_reason).toBe('tool_calls');
    expect(message.tool_calls).toEqual([
      {
        id: 'call_weather',
        type: 'function',
        function: { name: 'get_weather', arguments: '{"city":"Paris"}' },
      },
    ]);
    expect(
      (upstream.requests.at(-1)!.body.tools as Array<{ function: { name: string } }>)[0]!.function.name,
    ).toBe('get_weather');

    const stream = await client.chat.completions.create({ model: 'victor', messages, tools, stream: true });
    const streamed = new Map<number, { id?: string; name?: string; args: string }>();
    let finish: string | null = null;
    for await (const chunk of stream) {
      const choice = chunk.choices[0];
      for (const call of choice?.delta.tool_calls ?? []) {
        const entry = streamed.get(call.index) ?? { args: '' };
        if (call.id) entry.id = call.id;
        if (call.function?.name) entry.name = call.function.name;
        entry.args += call.function?.arguments ?? '';
        streamed.set(call.index, entry);
      }
      if (choice?.finish_reason) finish = choice.finish_reason;
    }
    expect(finish).toBe('tool_calls');
    expect([...streamed.values()]).toEqual([
      { id: 'call_weather', name: 'get_weather', args: '{"city":"Paris"}' },
    ]);

    // The tool result goes back as a tool message, in the wire format.
    await client.chat.completions.create({
      model: 'victor',
      messages: [
        ...messages,
        { role: 'assistant', content: null, tool_calls: message.tool_calls! },
        { role: 'tool', tool_call_id: 'call_weather', content: '{"sky":"clear"}' },
      ],
    });
    const sent = upstream.requests.at(-1)!.body.messages as Array<Record<string, unknown>>;
    expect(sent.at(-1)).toEqual({ role: 'tool', tool_call_id: 'call_weather', content: '{"sky":"clear"}' });
  });

  it('answers a repeated temperature-0 request from the response cache, streaming and not', async () => {
    const request = {
      model: 'victor',
      temperature: 0,
      messages: [{ role: 'user' as const, content: 'cache me, please' }],
    };
    const before = upstream.requestCount;
    const first = await client.chat.completions.create(request).withResponse();
    const second = await client.chat.completions.create(request).withResponse();
    expect(first.response.headers.get('x-victor-cache')).toBe('miss');
    expect(second.response.headers.get('x-victor-cache')).toBe('hit');
    expect(second.data.choices[0]!.message.content).toBe(first.data.choices[0]!.message.content);

    const streamRequest = { ...request, messages: [{ role: 'user' as const, content: 'remember this one' }] };
    const texts: string[] = [];
    const headers: Array<string | null> = [];
    for (let round = 0; round < 2; round++) {
      const { data, response } = await client.chat.completions
        .create({ ...streamRequest, stream: true })
        .withResponse();
      headers.push(response.headers.get('x-victor-cache'));
      let text = '';
      for await (const chunk of data) text += chunk.choices[0]?.delta.content ?? '';
      texts.push(text);
    }
    expect(headers).toEqual(['miss', 'hit']);
    expect(texts[1]).toBe(texts[0]);
    expect(texts[0]).toBe('You said: remember this one');
    expect(upstream.requestCount - before).toBe(2);

    const warm = await client.chat.completions.create({ ...request, temperature: 0.7 }).withResponse();
    expect(warm.response.headers.get('x-victor-cache')).toBe('bypass');
  });

  it('keeps tenants apart in the response cache (X-Victor-Tenant)', async () => {
    const body = {
      model: 'victor',
      temperature: 0,
      messages: [{ role: 'user' as const, content: 'per tenant' }],
    };
    const headersOf = async (tenant: string) =>
      (await client.chat.completions.create(body, { headers: { 'x-victor-tenant': tenant } }).withResponse())
        .response.headers;
    expect((await headersOf('acme')).get('x-victor-cache')).toBe('miss');
    expect((await headersOf('globex')).get('x-victor-cache')).toBe('miss');
    expect((await headersOf('acme')).get('x-victor-cache')).toBe('hit');
  });

  it('cancels the model request when the client goes away mid-stream', async () => {
    const slow = await createLoopbackServer({
      ttftMs: 0,
      chunkGapMs: 30,
      reply: () => ({ text: 'x'.repeat(200), chunkSize: 1 }),
    });
    const slowProvider = createOpenAICompatibleProvider({ baseURL: slow.baseURL });
    const handle = await startServe({ provider: slowProvider, model: 'm', monitor: createDemoMonitor() });
    try {
      const abort = new AbortController();
      const local = new OpenAI({ baseURL: `${handle.url}/v1`, apiKey: 'x', maxRetries: 0 });
      const stream = await local.chat.completions.create(
        { model: 'm', messages: [{ role: 'user', content: 'go' }], stream: true },
        { signal: abort.signal },
      );
      let received = 0;
      try {
        for await (const chunk of stream) {
          if (chunk.choices[0]?.delta.content) received++;
          if (received === 3) abort.abort();
        }
      } catch {
        // The client may report the abort as an error; either way it stopped reading.
      }
      expect(received).toBeLessThan(200);
      await expect.poll(() => slow.cancelledCount, { timeout: 5_000 }).toBe(1);
      await expect.poll(() => handle.inFlight).toBe(0);
    } finally {
      await handle.close();
      await slowProvider.close();
      await slow.close();
    }
  });

  it('refuses a malformed request with a 400 the openai client reports', async () => {
    await expect(
      client.chat.completions.create({
        model: 'victor',
        messages: [] as OpenAI.ChatCompletionMessageParam[],
      }),
    ).rejects.toMatchObject({ status: 400, error: { type: 'invalid_request_error', param: 'messages' } });
    const response = await fetch(`${serve.url}/v1/chat/completions`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: '{not json',
    });
    expect(response.status).toBe(400);
    expect(await response.json()).toEqual({
      error: {
        message:
          'the request body is not valid JSON: expected a property name in double quotes at line 1, column 2 (offset 1)',
        type: 'invalid_request_error',
        param: null,
        code: 'invalid_json',
      },
    });
  });

  it('turns an upstream failure into an OpenAI-style error', async () => {
    await expect(
      client.chat.completions.create({
        model: 'victor',
        messages: [{ role: 'user', content: 'fail please' }],
      }),
    ).rejects.toMatchObject({ status: 401, error: { type: 'invalid_request_error' } });
    await expect(
      client.chat.completions.create({
        model: 'victor',
        messages: [{ role: 'user', content: 'fail please' }],
        stream: true,
      }),
    ).rejects.toMatchObject({ status: 401 });
    await expect(
      client.chat.completions.create({ model: 'victor', messages: [{ role: 'user', content: 'fail hard' }] }),
    ).rejects.toMatchObject({ status: 502, error: { type: 'api_error' } });
  });

  it('lists the model and exposes /metrics in the Prometheus text format', async () => {
    const models = await client.models.list();
    expect(models.data.map((model) => model.id)).toEqual(['loopback-1', 'victor']);
    const response = await fetch(`${serve.url}/metrics`);
    expect(response.headers.get('content-type')).toContain('text/plain');
    const text = await response.text();
    expect(text).toMatch(/^victor_chat_requests_total\{outcome="ok"\} \d+$/m);
    expect(text).toMatch(/^victor_chat_requests_total\{outcome="cached"\} 3$/m);
    expect(text).toContain('victor_cache_hits_total{cache="responses",tier="memory"} 3');
    expect(text).toMatch(/^victor_chat_time_to_first_token_seconds_count \d+$/m);
    expect(text).toMatch(/^victor_model_call_duration_seconds_count \d+$/m);
    const json = (await (await fetch(`${serve.url}/metrics?format=json`)).json()) as {
      cacheHitRates: unknown[];
    };
    expect(json.cacheHitRates).toContainEqual(expect.objectContaining({ cache: 'responses', hits: 3 }));
    expect((await fetch(`${serve.url}/nope`)).status).toBe(404);
  });
});

describe('ServeHandle.close', () => {
  it('lets a stream in flight finish, then stops accepting connections', async () => {
    const slow = await createLoopbackServer({
      ttftMs: 50,
      chunkGapMs: 20,
      reply: () => ({ text: 'slow and steady', chunkSize: 3 }),
    });
    const slowProvider = createOpenAICompatibleProvider({ baseURL: slow.baseURL });
    const handle = await startServe({ provider: slowProvider, model: 'm', monitor: createDemoMonitor() });
    try {
      const local = new OpenAI({ baseURL: `${handle.url}/v1`, apiKey: 'x', maxRetries: 0 });
      const stream = await local.chat.completions.create({
        model: 'm',
        messages: [{ role: 'user', content: 'go' }],
        stream: true,
      });
      expect(handle.inFlight).toBe(1);
      const closed = handle.close(5_000);
      let text = '';
      for await (const chunk of stream) text += chunk.choices[0]?.delta.content ?? '';
      await closed;
      expect(text).toBe('slow and steady');
      await expect(fetch(`${handle.url}/health`)).rejects.toThrow();
    } finally {
      await handle.close();
      await slowProvider.close();
      await slow.close();
    }
  });
});

describe('serveCommand', () => {
  it('prints the URL (port 0 picks one), serves, and stops cleanly when asked', async () => {
    let out = '';
    const io: CommandIO = {
      stdout: {
        write: (text: string) => {
          out += text;
        },
      },
      stderr: { write: () => {} },
      env: {},
      offlineTiming: { ttftMs: 0, chunkGapMs: 0 },
    };
    let stop!: () => void;
    const stopped = new Promise<void>((resolve) => {
      stop = resolve;
    });
    let url = '';
    const done = serveCommand(['--port', '0'], io, {
      stop: stopped,
      onListening: (listening) => {
        url = listening;
      },
    });
    await expect.poll(() => url).not.toBe('');
    expect(out).toContain("offline: no model configured, so the model is Victor's loopback model");
    expect(out).toContain(`serving on ${url}/v1`);
    const local = new OpenAI({ baseURL: `${url}/v1`, apiKey: 'x', maxRetries: 0 });
    const completion = await local.chat.completions.create({
      model: 'victor',
      messages: [{ role: 'user', content: 'What is Victor?' }],
    });
    expect(completion.choices[0]!.message.content).toMatch(/^Victor is a runtime/);
    stop();
    expect(await done).toBe(0);
    expect(out).toContain('stop: stopping');
    expect(out).toContain('stopped\n');
  });

  it('rejects a bad port', async () => {
    const io: CommandIO = { stdout: { write: () => {} }, stderr: { write: () => {} }, env: {} };
    await expect(serveCommand(['--port', 'http'], io)).rejects.toThrow('--port must be an integer');
  });
});
