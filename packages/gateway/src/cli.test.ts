import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import OpenAI from 'openai';
import { describe, expect, it } from 'vitest';
import { hashApiKey } from './api-keys.js';
import { runGatewayCli } from './cli.js';
import type { Gateway } from './gateway.js';

const EXAMPLE = fileURLToPath(new URL('../examples/gateway.offline.json', import.meta.url));

function io(extra: { stop?: Promise<unknown>; onListening?: (gateway: Gateway) => void } = {}) {
  let stdout = '';
  let stderr = '';
  return {
    stdout: { write: (text: string) => (stdout += text) },
    stderr: { write: (text: string) => (stderr += text) },
    env: {},
    ...extra,
    get out() {
      return stdout;
    },
    get err() {
      return stderr;
    },
  };
}

describe('runGatewayCli', () => {
  it('check: accepts the offline example', async () => {
    const output = io();
    expect(await runGatewayCli(['check', EXAMPLE], output)).toBe(0);
    expect(output.out).toContain('ok (1 endpoints, 1 routes, 1 keys)');
  });

  it('check: exits 1 and prints the path of each problem', async () => {
    const file = join(mkdtempSync(join(tmpdir(), 'gateway-cli-')), 'bad.json');
    writeFileSync(
      file,
      JSON.stringify({
        endpoints: { a: { type: 'loopback' } },
        routes: [{ alias: 'm', endpoints: ['a'], fallbacks: ['x'] }],
        keys: [],
      }),
    );
    const output = io();
    expect(await runGatewayCli(['check', file], output)).toBe(1);
    expect(output.err).toContain('routes[0].fallbacks[0]: unknown endpoint "x"');
  });

  it('check: accepts the YAML example and gives the line of a YAML problem', async () => {
    const output = io();
    expect(await runGatewayCli(['check', EXAMPLE.replace(/\.json$/, '.yaml')], output)).toBe(0);
    expect(output.out).toContain('gateway.offline.yaml: ok (1 endpoints, 1 routes, 1 keys)');
    const file = join(mkdtempSync(join(tmpdir(), 'gateway-cli-')), 'bad.yaml');
    writeFileSync(
      file,
      'endpoints:\n  a: { type: loopback }\nroutes:\n  - alias: m\n    endpoints: [a]\n    fallbacks: [x]\nkeys: []\n',
    );
    const bad = io();
    expect(await runGatewayCli(['check', file], bad)).toBe(1);
    expect(bad.err).toContain('routes[0].fallbacks[0]: unknown endpoint "x" (line 6, column 17)');
  });

  it('hash-key prints the stored form of a key', async () => {
    const output = io();
    expect(await runGatewayCli(['hash-key', 'sk-offline-demo'], output)).toBe(0);
    expect(output.out.trim()).toBe(hashApiKey('sk-offline-demo'));
  });

  it('refuses a bad port and a missing --config with exit code 2', async () => {
    expect(await runGatewayCli(['--config', EXAMPLE, '--port', '99999'], io())).toBe(2);
    const output = io();
    expect(await runGatewayCli(['--port', '0'], output)).toBe(2);
    expect(output.err).toContain('--config FILE is required');
  });

  it('serves the offline example with its demo key, then drains and stops', async () => {
    let stop: (value?: unknown) => void = () => {};
    let listening: (gateway: Gateway) => void = () => {};
    const started = new Promise<Gateway>((resolvePromise) => {
      listening = resolvePromise;
    });
    const output = io({
      stop: new Promise((resolvePromise) => (stop = resolvePromise)),
      onListening: (g) => listening(g),
    });
    const exit = runGatewayCli(['--config', EXAMPLE, '--port', '0'], output);
    const gateway = await started;
    const client = new OpenAI({ baseURL: `${gateway.url}/v1`, apiKey: 'sk-offline-demo', maxRetries: 0 });
    const completion = await client.chat.completions.create({
      model: 'offline',
      messages: [{ role: 'user', content: 'hi' }],
    });
    expect(completion.choices[0]!.message.content).toBe('You said: hi');
    stop();
    expect(await exit).toBe(0);
    expect(output.out).toContain('draining 0 request(s) in flight');
    expect(output.out).toContain('stopped');
  });
});
