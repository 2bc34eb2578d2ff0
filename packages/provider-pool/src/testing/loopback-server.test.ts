import { request } from 'undici';
import { afterEach, describe, expect, it } from 'vitest';
import { createLoopbackServer, type LoopbackServer } from './loopback-server.js';

const servers: LoopbackServer[] = [];
afterEach(async () => {
  await Promise.all(servers.splice(0).map((server) => server.close()));
});

async function post(server: LoopbackServer, path: string, body: unknown) {
  const response = await request(`${server.url}${path}`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(body),
  });
  return { status: response.statusCode, headers: response.headers, text: await response.body.text() };
}

describe('createLoopbackServer', () => {
  it('injects the same random faults for the same seed', async () => {
    const kinds = async (seed: number) => {
      const server = await createLoopbackServer({
        faults: { seed, status5xx: 0.3, rateLimited: 0.2 },
      });
      servers.push(server);
      for (let i = 0; i < 30; i++) await post(server, '/v1/chat/completions', { messages: [] });
      return server.requests.map((seen) => seen.replyKind);
    };
    const first = await kinds(7);
    expect(await kinds(7)).toEqual(first);
    expect(await kinds(8)).not.toEqual(first);
    expect(first.filter((kind) => kind === 'status').length).toBeGreaterThan(5);
    expect(first.filter((kind) => kind === 'message').length).toBeGreaterThan(5);
  });

  it('sends retry-after-ms with injected 429s', async () => {
    const server = await createLoopbackServer({ faults: { rateLimited: 1, retryAfterMs: 250 } });
    servers.push(server);
    const answer = await post(server, '/v1/messages', { messages: [] });
    expect(answer.status).toBe(429);
    expect(answer.headers['retry-after-ms']).toBe('250');
  });

  it('refuses fault rates outside 0..1', async () => {
    await expect(createLoopbackServer({ faults: { reset: 2 } })).rejects.toThrow(
      'faults.reset must be a number from 0 to 1, got 2',
    );
  });

  it('serves a raw body as is, SSE or JSON', async () => {
    const server = await createLoopbackServer();
    servers.push(server);
    server.enqueue({ kind: 'raw', body: 'data: {"x":1}\n\n' }, { kind: 'raw', body: '{"y":2}' });
    const sse = await post(server, '/v1/chat/completions', {});
    expect(sse.headers['content-type']).toBe('text/event-stream');
    expect(sse.text).toBe('data: {"x":1}\n\n');
    const json = await post(server, '/v1/messages', {});
    expect(json.headers['content-type']).toBe('application/json');
  });

  it('keeps recorded request bodies within recordBytes, always keeping the latest', async () => {
    const server = await createLoopbackServer({ recordBytes: 10_000 });
    servers.push(server);
    const big = 'x'.repeat(4_000);
    for (let i = 0; i < 5; i++) {
      await post(server, '/v1/chat/completions', { messages: [{ role: 'user', content: `${i}${big}` }] });
    }
    // Each body is a little over 4,000 bytes: two fit in 10,000 bytes, not three.
    expect(server.requests.map((seen) => seen.index)).toEqual([3, 4]);
    await post(server, '/v1/chat/completions', { messages: [{ role: 'user', content: 'y'.repeat(20_000) }] });
    expect(server.requests.map((seen) => seen.index)).toEqual([5]);
  });

  it('refuses a negative recordBytes', async () => {
    await expect(createLoopbackServer({ recordBytes: -1 })).rejects.toThrow('recordBytes');
  });

  it('answers 404 for unknown routes', async () => {
    const server = await createLoopbackServer();
    servers.push(server);
    expect((await post(server, '/v1/nothing', {})).status).toBe(404);
  });
});
