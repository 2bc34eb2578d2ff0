import { spawn } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { request } from 'undici';
import { describe, expect, it } from 'vitest';
import { hashApiKey } from './api-keys.js';

const BIN = fileURLToPath(new URL('../bin/victor-gateway.mjs', import.meta.url));

describe('victor-gateway on SIGTERM', () => {
  it('finishes a stream in flight, refuses new requests, then exits 0', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'gateway-drain-'));
    const configFile = join(dir, 'gateway.json');
    writeFileSync(
      configFile,
      JSON.stringify({
        server: { drainTimeoutMs: 30_000 },
        // A slow stream: 20 ms between chunks.
        endpoints: { local: { type: 'loopback', chunkGapMs: 20 } },
        routes: [{ alias: 'offline', endpoints: ['local'] }],
        keys: [{ id: 'k', hash: hashApiKey('sk-drain') }],
        logging: { level: 'error' },
      }),
    );
    const child = spawn(process.execPath, [BIN, '--config', configFile, '--port', '0'], {
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    let output = '';
    child.stdout!.setEncoding('utf8');
    const exited = new Promise<number | null>((resolvePromise) => child.once('exit', resolvePromise));
    const url = await new Promise<string>((resolvePromise) => {
      child.stdout!.on('data', (text: string) => {
        output += text;
        const match = /listening on (http:\/\/[\d.:]+)/.exec(output);
        if (match) resolvePromise(match[1]!);
      });
    });
    const headers = { 'content-type': 'application/json', authorization: 'Bearer sk-drain' };
    const streamed = await request(`${url}/v1/chat/completions`, {
      method: 'POST',
      headers,
      body: JSON.stringify({
        model: 'offline',
        stream: true,
        messages: [{ role: 'user', content: 'a long answer that takes a while to stream '.repeat(4) }],
      }),
    });
    expect(streamed.statusCode).toBe(200);
    let text = '';
    let signalled = false;
    for await (const chunk of streamed.body) {
      text += chunk.toString();
      if (!signalled) {
        signalled = true;
        child.kill('SIGTERM');
        // Wait until the gateway says it is draining, then check that it takes no new request.
        await expect.poll(() => output).toContain('draining 1 request(s) in flight');
        // Either the listener is closed already (connection refused) or the request gets 503.
        const refused = await request(`${url}/health`).catch((error: Error) => error);
        if (!(refused instanceof Error)) {
          expect(refused.statusCode).toBe(503);
          await refused.body.dump();
        }
      }
    }
    expect(text).toContain('data: [DONE]');
    expect(await exited).toBe(0);
    expect(output).toContain('stopped');
  }, 60_000);
});
