import { connect } from 'node:net';
import type { Provider } from '@victor-ai/core';
import { createOpenAICompatibleProvider } from '@victor-ai/provider-pool';
import { createLoopbackServer, type LoopbackServer } from '@victor-ai/provider-pool/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { UsageError } from './args.js';
import type { CommandIO } from './assist-command.js';
import { createDemoMonitor } from './instrumentation.js';
import { type ServeHandle, startServe } from './serve.js';
import { serveCommand } from './serve-command.js';

// Hostile requests against serve mode: what a black-box test of serve mode broke, with its own inputs.

let upstream: LoopbackServer;
let provider: Provider;
let serve: ServeHandle;

beforeAll(async () => {
  upstream = await createLoopbackServer();
  provider = createOpenAICompatibleProvider({ baseURL: upstream.baseURL });
  serve = await startServe({
    provider,
    model: 'loopback-1',
    monitor: createDemoMonitor(),
    limits: { maxBodyBytes: 1024 * 1024, maxJsonDepth: 20 },
  });
});

afterAll(async () => {
  await serve.close(0);
  await provider.close();
  await upstream.close();
});

/** A JSON schema nested `levels` objects deep, built as text (JSON.stringify would overflow the stack). */
function nested(levels: number): string {
  return `${'{"type":"object","properties":{"inner":'.repeat(levels)}{"type":"string"}${'}}'.repeat(levels)}`;
}

async function post(body: string, headers: Record<string, string> = {}) {
  const response = await fetch(`${serve.url}/v1/chat/completions`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...headers },
    body,
  });
  return {
    status: response.status,
    headers: response.headers,
    body: (await response.json()) as { error: { message: string; code: string; param: string | null } },
  };
}

describe('startServe against hostile requests', () => {
  it('answers 400 naming the limit for deeply nested tool parameters, without calling the model', async () => {
    const before = upstream.requestCount;
    const answer = await post(
      `{"model":"victor","temperature":0.7,"messages":[{"role":"user","content":"hi"}],` +
        `"tools":[{"type":"function","function":{"name":"deep","parameters":${nested(5_000)}}}]}`,
    );
    expect(answer.status).toBe(400);
    expect(answer.body.error.code).toBe('json_too_deep');
    expect(answer.body.error.message).toContain('20 levels (maxJsonDepth)');
    expect(upstream.requestCount).toBe(before);
  });

  it('answers 400 naming the field for deeply nested tool-call arguments', async () => {
    const before = upstream.requestCount;
    const answer = await post(
      JSON.stringify({
        model: 'victor',
        messages: [
          { role: 'user', content: 'hi' },
          {
            role: 'assistant',
            content: null,
            tool_calls: [{ id: 'c1', type: 'function', function: { name: 'f', arguments: nested(5_000) } }],
          },
          { role: 'tool', tool_call_id: 'c1', content: 'ok' },
        ],
      }),
    );
    expect(answer.status).toBe(400);
    expect(answer.body.error.code).toBe('json_too_deep');
    expect(answer.body.error.param).toBe('messages[1].tool_calls[0].function.arguments');
    expect(upstream.requestCount).toBe(before);
  });

  it('answers 413 with an error body to a body over the limit by a few bytes', async () => {
    const answer = await post(`"${'z'.repeat(1024 * 1024 + 8)}"`);
    expect(answer.status).toBe(413);
    expect(answer.headers.get('connection')).toBe('close');
    expect(answer.body.error.code).toBe('body_too_large');
  });

  it('refuses a foreign Host and a text/plain body (DNS rebinding, cross-site form posts)', async () => {
    const body = JSON.stringify({ model: 'victor', messages: [{ role: 'user', content: 'hi' }] });
    const text = await new Promise<string>((resolvePromise) => {
      const socket = connect(serve.port, '127.0.0.1');
      let received = '';
      socket.setEncoding('utf8');
      socket.on('data', (chunk: string) => {
        received += chunk;
      });
      socket.on('close', () => resolvePromise(received));
      socket.write(
        `POST /v1/chat/completions HTTP/1.1\r\nhost: evil.example\r\ncontent-type: text/plain\r\n` +
          `content-length: ${Buffer.byteLength(body)}\r\nconnection: close\r\n\r\n${body}`,
      );
    });
    expect(text).toMatch(/^HTTP\/1\.1 403/);
    const plain = await fetch(`${serve.url}/v1/chat/completions`, {
      method: 'POST',
      headers: { 'content-type': 'text/plain' },
      body,
    });
    expect(plain.status).toBe(415);
    expect(plain.headers.get('access-control-allow-origin')).toBeNull();
    await plain.body?.cancel();
  });

  it('honours Connection: close on a streamed answer', async () => {
    const body = JSON.stringify({
      model: 'victor',
      stream: true,
      messages: [{ role: 'user', content: 'hi' }],
    });
    const text = await new Promise<string>((resolvePromise) => {
      const socket = connect(serve.port, '127.0.0.1');
      let received = '';
      socket.setEncoding('utf8');
      socket.on('data', (chunk: string) => {
        received += chunk;
      });
      // Resolves only when the server closes the connection after the stream.
      socket.on('close', () => resolvePromise(received));
      socket.write(
        `POST /v1/chat/completions HTTP/1.1\r\nhost: 127.0.0.1\r\ncontent-type: application/json\r\n` +
          `content-length: ${Buffer.byteLength(body)}\r\nconnection: close\r\n\r\n${body}`,
      );
    });
    expect(text).toMatch(/^HTTP\/1\.1 200/);
    expect(text.toLowerCase()).toContain('connection: close');
    expect(text.toLowerCase()).not.toContain('keep-alive');
    expect(text).toContain('data: [DONE]');
  });
});

describe('serveCommand limits', () => {
  const io = (): CommandIO & { output: () => string } => {
    let output = '';
    return {
      stdout: {
        write: (text: string) => {
          output += text;
          return true;
        },
      },
      stderr: { write: () => true },
      env: {},
      output: () => output,
    } as unknown as CommandIO & { output: () => string };
  };

  it('documents every limit and the unauthenticated tenant header in --help', async () => {
    const out = io();
    expect(await serveCommand(['--help'], out)).toBe(0);
    for (const flag of [
      '--allow-host',
      '--cors-origin',
      '--max-body-bytes',
      '--max-json-depth',
      '--headers-timeout-ms',
      '--request-timeout-ms',
      '--keep-alive-timeout-ms',
      '--max-connections',
      '--max-in-flight',
    ]) {
      expect(out.output()).toContain(flag);
    }
    expect(out.output()).toContain('X-Victor-Tenant scopes the response cache but is NOT authenticated');
  });

  it('refuses a limit that is not a positive integer, naming the flag and the value', async () => {
    await expect(serveCommand(['--max-body-bytes', '-5'], io())).rejects.toThrow(UsageError);
    await expect(serveCommand(['--max-in-flight=lots'], io())).rejects.toThrow(
      '--max-in-flight must be a positive integer, got "lots"',
    );
  });
});
