import { connect, type Socket } from 'node:net';
import { Readable } from 'node:stream';
import { request } from 'undici';
import { afterEach, describe, expect, it } from 'vitest';
import { type HardenedServer, type HardenedServerOptions, startHardenedServer } from './hardened-server.js';

// Hostile clients against the hardened server: oversized and chunked bodies, deep nesting, foreign hosts,
// wrong content types, slow clients, and more connections and requests than allowed.

const servers: HardenedServer[] = [];
let release: (value?: unknown) => void = () => {};
const sockets: Socket[] = [];
afterEach(async () => {
  for (const socket of sockets.splice(0)) socket.destroy();
  await Promise.all(servers.splice(0).map((server) => server.close(0)));
});

async function start(options: Partial<HardenedServerOptions> = {}): Promise<HardenedServer> {
  const server = await startHardenedServer({
    handler: async (_request, response, context) => {
      if (context.path === '/slow') {
        await new Promise((resolvePromise) => setTimeout(resolvePromise, 60_000).unref());
      }
      if (context.path === '/wait') {
        await new Promise((resolvePromise) => {
          release = resolvePromise;
        });
      }
      if (context.path === '/hold') {
        response.writeHead(200, { 'content-type': 'text/event-stream' });
        response.write('data: {}\n\n');
        return;
      }
      const body = context.path === '/echo' ? await context.readJson() : null;
      const text = JSON.stringify({ ok: true, body });
      response.writeHead(200, { 'content-type': 'application/json' }).end(text);
    },
    ...options,
  });
  servers.push(server);
  return server;
}

/** Sends raw bytes on a new connection and collects what comes back until the server closes it. */
function raw(
  server: HardenedServer,
  write: (socket: Socket) => void,
): Promise<{ text: string; reset: boolean }> {
  return new Promise((resolvePromise) => {
    const socket = connect(server.port, '127.0.0.1');
    sockets.push(socket);
    let text = '';
    let reset = false;
    socket.setEncoding('latin1');
    socket.on('data', (chunk: string) => {
      text += chunk;
    });
    socket.on('error', () => {
      reset = true;
    });
    socket.on('close', () => resolvePromise({ text, reset }));
    socket.on('connect', () => write(socket));
  });
}

function status(text: string): number {
  return Number(/^HTTP\/1\.1 (\d{3})/.exec(text)?.[1] ?? 0);
}

function bodyOf(text: string): { error: { message: string; code: string } } {
  return JSON.parse(text.slice(text.indexOf('\r\n\r\n') + 4));
}

const jsonHeaders = (host: string, extra = '') =>
  `POST /echo HTTP/1.1\r\nhost: ${host}\r\ncontent-type: application/json\r\n${extra}`;

describe('startHardenedServer', () => {
  describe('oversized bodies', () => {
    it('answers 413 with an error body when content-length is over the limit, then closes', async () => {
      const server = await start({ maxBodyBytes: 1_000 });
      const answer = await raw(server, (socket) => {
        socket.write(`${jsonHeaders(`127.0.0.1:${server.port}`)}content-length: 10000000\r\n\r\n`);
        // Keep sending body bytes the server will not read.
        const part = Buffer.alloc(64 * 1024, 0x20);
        const pump = () => {
          while (!socket.destroyed && socket.write(part)) {}
          if (!socket.destroyed) socket.once('drain', pump);
        };
        pump();
      });
      expect(status(answer.text)).toBe(413);
      expect(answer.text.toLowerCase()).toContain('connection: close');
      expect(bodyOf(answer.text).error.code).toBe('body_too_large');
      expect(bodyOf(answer.text).error.message).toContain('1000 bytes (maxBodyBytes)');
    });

    it('answers 413 to a chunked body that grows over the limit', async () => {
      const server = await start({ maxBodyBytes: 1_000 });
      const answer = await raw(server, (socket) => {
        socket.write(`${jsonHeaders(`127.0.0.1:${server.port}`)}transfer-encoding: chunked\r\n\r\n`);
        const chunk = `{"a":"${'x'.repeat(600)}`;
        socket.write(`${chunk.length.toString(16)}\r\n${chunk}\r\n`);
        socket.write(`${chunk.length.toString(16)}\r\n${chunk}\r\n`);
      });
      expect(status(answer.text)).toBe(413);
      expect(bodyOf(answer.text).error.code).toBe('body_too_large');
    });

    it('answers 413 to a body one byte over the limit, through a real client, and 200 at the limit', async () => {
      const server = await start({ maxBodyBytes: 1_000 });
      const post = (size: number) =>
        request(`${server.url}/echo`, {
          method: 'POST',
          headers: { 'content-type': 'application/json' },
          body: `"${'y'.repeat(size - 2)}"`,
        });
      const over = await post(1_001);
      expect(over.statusCode).toBe(413);
      expect(((await over.body.json()) as { error: { code: string } }).error.code).toBe('body_too_large');
      const at = await post(1_000);
      expect(at.statusCode).toBe(200);
      await at.body.dump();
    });
    it('answers 413 to a real client streaming a 10 MB chunked body, without a reset', async () => {
      const server = await start();
      async function* body() {
        const part = Buffer.alloc(64 * 1024, 0x20);
        for (let sent = 0; sent < 10_000_000; sent += part.length) yield part;
      }
      const answer = await request(`${server.url}/echo`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: Readable.from(body()),
      });
      expect(answer.statusCode).toBe(413);
      expect(answer.headers.connection).toBe('close');
      const error = ((await answer.body.json()) as { error: { code: string; message: string } }).error;
      expect(error.code).toBe('body_too_large');
      expect(error.message).toContain(`limit of ${4 * 1024 * 1024} bytes`);
    });
  });

  describe('JSON depth and syntax', () => {
    it('answers 400 naming the limit for a body nested deeper than maxJsonDepth', async () => {
      const server = await start({ maxJsonDepth: 32 });
      const deep = `${'['.repeat(5_000)}${']'.repeat(5_000)}`;
      const answer = await request(`${server.url}/echo`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: deep,
      });
      expect(answer.statusCode).toBe(400);
      const body = (await answer.body.json()) as { error: { code: string; message: string } };
      expect(body.error.code).toBe('json_too_deep');
      expect(body.error.message).toContain('32 levels (maxJsonDepth)');
    });

    it('accepts nesting at the limit and counts brackets inside strings as text', async () => {
      const server = await start({ maxJsonDepth: 3 });
      const answer = await request(`${server.url}/echo`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ a: [{ text: '[[[[{{{{' }] }),
      });
      expect(answer.statusCode).toBe(200);
      await answer.body.dump();
    });

    it('answers 400 saying where malformed JSON broke', async () => {
      const server = await start();
      const answer = await request(`${server.url}/echo`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: '{"model": "x", "messages": [}',
      });
      expect(answer.statusCode).toBe(400);
      const body = (await answer.body.json()) as { error: { code: string; message: string } };
      expect(body.error.code).toBe('invalid_json');
      expect(body.error.message).toMatch(/position \d+|line \d+/);
    });
  });

  describe('Host and content type', () => {
    it('refuses a foreign Host (DNS rebinding) with 403, and answers the loopback names', async () => {
      const server = await start();
      const evil = await raw(server, (socket) => {
        socket.write('GET /health HTTP/1.1\r\nhost: evil.example\r\nconnection: close\r\n\r\n');
      });
      expect(status(evil.text)).toBe(403);
      expect(bodyOf(evil.text).error.code).toBe('host_not_allowed');
      expect(bodyOf(evil.text).error.message).toContain('evil.example');
      for (const host of [`localhost:${server.port}`, `127.0.0.1:${server.port}`, `[::1]:${server.port}`]) {
        const good = await raw(server, (socket) => {
          socket.write(`GET /health HTTP/1.1\r\nhost: ${host}\r\nconnection: close\r\n\r\n`);
        });
        expect(status(good.text)).toBe(200);
      }
    });

    it('refuses a missing Host and answers any Host when allowedHosts is "*"', async () => {
      const strict = await start();
      const missing = await raw(strict, (socket) => socket.write('GET / HTTP/1.0\r\n\r\n'));
      expect(status(missing.text)).toBe(403);
      const open = await start({ allowedHosts: '*' });
      const any = await raw(open, (socket) => {
        socket.write('GET / HTTP/1.1\r\nhost: evil.example\r\nconnection: close\r\n\r\n');
      });
      expect(status(any.text)).toBe(200);
    });

    it('refuses text/plain and a missing content type on POST with 415 (cross-site form posts)', async () => {
      const server = await start();
      for (const type of ['text/plain', 'application/x-www-form-urlencoded', undefined]) {
        const answer = await request(`${server.url}/echo`, {
          method: 'POST',
          headers: type === undefined ? {} : { 'content-type': type },
          body: '{"a":1}',
        });
        expect(answer.statusCode).toBe(415);
        expect(((await answer.body.json()) as { error: { code: string } }).error.code).toBe(
          'unsupported_media_type',
        );
      }
    });

    it('sends no CORS headers unless configured, and answers configured origins only', async () => {
      const plain = await start();
      const noCors = await request(`${plain.url}/health`, { headers: { origin: 'https://app.example' } });
      expect(noCors.headers['access-control-allow-origin']).toBeUndefined();
      await noCors.body.dump();
      const withCors = await start({ cors: { origins: ['https://app.example'] } });
      const preflight = await request(`${withCors.url}/echo`, {
        method: 'OPTIONS',
        headers: { origin: 'https://app.example', 'access-control-request-method': 'POST' },
      });
      expect(preflight.statusCode).toBe(204);
      expect(preflight.headers['access-control-allow-origin']).toBe('https://app.example');
      await preflight.body.dump();
      const other = await request(`${withCors.url}/echo`, {
        method: 'OPTIONS',
        headers: { origin: 'https://evil.example', 'access-control-request-method': 'POST' },
      });
      expect(other.statusCode).toBe(403);
      expect(other.headers['access-control-allow-origin']).toBeUndefined();
      await other.body.dump();
    });
  });

  describe('timeouts and caps', () => {
    it('answers 408 and closes a client that never finishes its headers (slowloris)', async () => {
      const server = await start({ headersTimeoutMs: 200, requestTimeoutMs: 400 });
      const answer = await raw(server, (socket) => {
        socket.write(`GET /health HTTP/1.1\r\nhost: 127.0.0.1:${server.port}\r\nx-slow: `);
      });
      expect(status(answer.text)).toBe(408);
    });

    it('answers 408 and closes a client that never finishes its body', async () => {
      const server = await start({ headersTimeoutMs: 200, requestTimeoutMs: 400 });
      const answer = await raw(server, (socket) => {
        socket.write(`${jsonHeaders(`127.0.0.1:${server.port}`)}content-length: 100\r\n\r\n{"a":`);
      });
      expect(status(answer.text)).toBe(408);
    });

    it('answers 503 with Retry-After beyond maxRequestsInFlight', async () => {
      const server = await start({ maxRequestsInFlight: 2, retryAfterSeconds: 3 });
      const held = [
        raw(server, (socket) => socket.write(`GET /hold HTTP/1.1\r\nhost: localhost\r\n\r\n`)),
        raw(server, (socket) => socket.write(`GET /hold HTTP/1.1\r\nhost: localhost\r\n\r\n`)),
      ];
      await expect.poll(() => server.inFlight).toBe(2);
      const refused = await request(`${server.url}/health`);
      expect(refused.statusCode).toBe(503);
      expect(refused.headers['retry-after']).toBe('3');
      expect(((await refused.body.json()) as { error: { code: string } }).error.code).toBe('overloaded');
      for (const socket of sockets) socket.destroy();
      await Promise.all(held);
      await expect.poll(() => server.inFlight).toBe(0);
      const again = await request(`${server.url}/health`);
      expect(again.statusCode).toBe(200);
      await again.body.dump();
    });

    it('answers 503 with Retry-After on connections beyond maxConnections', async () => {
      const server = await start({ maxConnections: 3 });
      const idle: Socket[] = [];
      for (let i = 0; i < 3; i++) {
        const socket = connect(server.port, '127.0.0.1');
        sockets.push(socket);
        idle.push(socket);
      }
      await expect.poll(() => server.connections).toBe(3);
      const answer = await raw(server, (socket) => {
        socket.write('GET /health HTTP/1.1\r\nhost: localhost\r\n\r\n');
      });
      expect(status(answer.text)).toBe(503);
      expect(answer.text.toLowerCase()).toContain('retry-after: 1');
      expect(bodyOf(answer.text).error.message).toContain('maxConnections');
      for (const socket of idle) socket.destroy();
      await expect.poll(() => server.connections).toBe(0);
      const after = await raw(server, (socket) => {
        socket.write('GET /health HTTP/1.1\r\nhost: localhost\r\nconnection: close\r\n\r\n');
      });
      expect(status(after.text)).toBe(200);
    });

    it('refuses bad limits with the option name and the value', async () => {
      await expect(start({ maxBodyBytes: -1 })).rejects.toThrow(
        'maxBodyBytes must be a positive integer, got -1',
      );
      await expect(start({ headersTimeoutMs: 5_000, requestTimeoutMs: 1_000 })).rejects.toThrow(
        'headersTimeoutMs (5000) must not be larger than requestTimeoutMs (1000)',
      );
    });
  });

  describe('close', () => {
    it('answers 503 with Connection: close to a request that arrives while draining, after finishing the one in flight', async () => {
      const server = await start();
      let socket!: Socket;
      const answers = raw(server, (opened) => {
        socket = opened;
        opened.write('GET /wait HTTP/1.1\r\nhost: localhost\r\n\r\n');
      });
      await expect.poll(() => server.inFlight).toBe(1);
      const closing = server.close(5_000);
      expect(server.draining).toBe(true);
      // Node answers pipelined requests in order: this one is handled once the first is answered.
      socket.write('GET /health HTTP/1.1\r\nhost: localhost\r\n\r\n');
      release();
      const { text } = await answers;
      const statuses = [...text.matchAll(/HTTP\/1\.1 (\d{3})/g)].map((match) => Number(match[1]));
      expect(statuses).toEqual([200, 503]);
      expect(text.toLowerCase()).toContain('connection: close');
      await closing;
      expect(server.inFlight).toBe(0);
    });

    it('cuts a request still in flight at the grace deadline', async () => {
      const server = await start();
      const hold = raw(server, (socket) => socket.write('GET /hold HTTP/1.1\r\nhost: localhost\r\n\r\n'));
      await expect.poll(() => server.inFlight).toBe(1);
      await server.close(100);
      const cut = await hold;
      expect(status(cut.text)).toBe(200);
      expect(cut.text).not.toContain('0\r\n\r\n');
      expect(server.inFlight).toBe(0);
    });
  });
});
