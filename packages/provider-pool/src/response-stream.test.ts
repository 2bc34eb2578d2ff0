import { once } from 'node:events';
import { createServer, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Pool } from 'undici';
import { afterEach, describe, expect, it } from 'vitest';
import { ResponseStream } from './response-stream.js';

// ResponseStream against a real loopback HTTP server: chunks in order, the socket paused while chunks wait
// unread, dump() bounded by its limit, errors and aborts handed to the reader.

const CHUNK = Buffer.alloc(64 * 1024, 'x');

interface Served {
  url: string;
  /** Resolves when the server's write() first had to wait for the client (the socket was full). */
  blocked: Promise<number>;
  /** Resolves with whether the response was written to its end before the connection closed. */
  closed: Promise<boolean>;
}

let server: Server | undefined;
let pool: Pool | undefined;
async function stop(): Promise<void> {
  await pool?.destroy();
  pool = undefined;
  const running = server;
  server = undefined;
  if (running === undefined) return;
  running.closeAllConnections();
  await new Promise((resolve) => running.close(resolve));
}
afterEach(stop);

/** A server that writes `chunks` chunks of 64 KiB, waiting for `drain` when the socket is full. */
async function serve(chunks: number): Promise<Served> {
  let onBlocked!: (written: number) => void;
  let onClosed!: (finished: boolean) => void;
  const blocked = new Promise<number>((resolve) => {
    onBlocked = resolve;
  });
  const closed = new Promise<boolean>((resolve) => {
    onClosed = resolve;
  });
  server = createServer(async (_request, response: ServerResponse) => {
    response.on('close', () => onClosed(response.writableFinished));
    response.writeHead(200, { 'content-type': 'text/plain' });
    let written = 0;
    for (let i = 0; i < chunks && !response.destroyed; i++) {
      written += CHUNK.length;
      if (!response.write(CHUNK)) {
        onBlocked(written);
        await once(response, 'drain').catch(() => {});
      }
    }
    response.end();
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const { port } = server.address() as AddressInfo;
  return { url: `http://127.0.0.1:${port}`, blocked, closed };
}

function get(url: string): ResponseStream {
  pool = new Pool(url, { connections: 1 });
  const stream = new ResponseStream();
  pool.dispatch({ origin: url, path: '/', method: 'GET' }, stream);
  return stream;
}

describe('ResponseStream', () => {
  it('pauses the socket while 16 chunks wait unread, and resumes it once they are read', () => {
    const calls: string[] = [];
    let paused = false;
    const controller = {
      aborted: false,
      reason: null,
      get paused() {
        return paused;
      },
      abort: () => calls.push('abort'),
      pause: () => {
        paused = true;
        calls.push('pause');
      },
      resume: () => {
        paused = false;
        calls.push('resume');
      },
    };
    const stream = new ResponseStream();
    stream.onRequestStart(controller);
    stream.onResponseStart(controller, 200, {});
    for (let i = 0; i < 15; i++) stream.onResponseData(controller, Buffer.from([i]));
    expect(calls).toEqual([]);
    stream.onResponseData(controller, Buffer.from([15]));
    expect(calls).toEqual(['pause']);
    const read: number[] = [];
    for (let chunk = stream.read(); chunk !== undefined; chunk = stream.read()) read.push(chunk[0]!);
    expect(read).toEqual(Array.from({ length: 16 }, (_, i) => i));
    expect(calls).toEqual(['pause', 'resume']);
  });

  it('hands over every byte of a large body in order, the server waiting while the reader does not read', async () => {
    const total = 256; // 16 MiB
    const served = await serve(total);
    const stream = get(served.url);
    await stream.response();
    expect(stream.statusCode).toBe(200);
    // Nothing is read until the server had to wait: the reader's side stopped taking bytes.
    const writtenWhenBlocked = await served.blocked;
    expect(writtenWhenBlocked).toBeLessThan(total * CHUNK.length);
    let length = 0;
    for (let chunk = await stream.next(); chunk !== undefined; chunk = await stream.next()) {
      expect(chunk.every((byte) => byte === 120)).toBe(true);
      length += chunk.length;
    }
    expect(length).toBe(total * CHUNK.length);
    expect(stream.finished).toBe(true);
    expect(await served.closed).toBe(true);
  });

  it('dump() drops a short rest so the response ends, and cancels a rest beyond its limit', async () => {
    const short = await serve(2);
    const first = get(short.url);
    await first.response();
    await first.dump(1024 * 1024);
    expect(await short.closed).toBe(true);
    await stop();

    const long = await serve(1024); // 64 MiB, far beyond the limit
    const second = get(long.url);
    await second.response();
    await second.dump(256 * 1024);
    expect(await long.closed).toBe(false);
    await expect(second.next()).rejects.toThrow('the rest of the body is too long');
  });

  it('rejects the reader with the error that ended the request, and abort() cancels it', async () => {
    const served = await serve(1024);
    const stream = get(served.url);
    await stream.response();
    stream.abort(new Error('stopped by the test'));
    await expect(
      (async () => {
        for (let chunk = await stream.next(); chunk !== undefined; chunk = await stream.next());
      })(),
    ).rejects.toThrow('stopped by the test');
    expect(await served.closed).toBe(false);
  });

  it('cancels the request when the attached signal aborts, and after detach() its listener reaches nothing', () => {
    // A signal that keeps every listener it was given, as a removed entry of a long-lived signal may stay
    // reachable until the garbage collector visits it: it must not keep the response reachable.
    const listeners: Array<() => void> = [];
    const signal = {
      aborted: false,
      reason: new Error('closed by the test'),
      addEventListener: (_type: string, listener: () => void) => listeners.push(listener),
      removeEventListener: () => {},
    } as unknown as AbortSignal;
    const aborts: unknown[] = [];
    const controller = {
      aborted: false,
      reason: null,
      paused: false,
      abort: (reason: unknown) => aborts.push(reason),
      pause: () => {},
      resume: () => {},
    };
    const attached = new ResponseStream();
    attached.onRequestStart(controller);
    attached.attach(signal);
    listeners[0]!();
    expect(aborts).toEqual([signal.reason]);

    const detached = new ResponseStream();
    detached.onRequestStart(controller);
    detached.attach(signal);
    detached.detach();
    listeners[1]!();
    expect(aborts).toHaveLength(1);
  });

  it('rejects response() when the request fails before its headers', async () => {
    pool = new Pool('http://127.0.0.1:9', { connections: 1 });
    const stream = new ResponseStream();
    pool.dispatch({ origin: 'http://127.0.0.1:9', path: '/', method: 'GET' }, stream);
    await expect(stream.response()).rejects.toMatchObject({ code: 'ECONNREFUSED' });
  });
});
