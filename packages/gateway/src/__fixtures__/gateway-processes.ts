import { type ChildProcess, spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { request } from 'undici';

const BIN = fileURLToPath(new URL('../../bin/victor-gateway.mjs', import.meta.url));

/** Gateway processes started from the built bin for the multi-process tests, with their stderr kept. */
export class GatewayProcesses {
  /** Every process started, in order. */
  readonly children: ChildProcess[] = [];
  /** What every process wrote to stderr. */
  stderr = '';

  /** Starts `victor-gateway --config FILE --port 0` with extra environment; resolves with its URL. */
  start(configFile: string, env: Record<string, string>): Promise<string> {
    return new Promise((resolvePromise, reject) => {
      const child = spawn(process.execPath, [BIN, '--config', configFile, '--port', '0'], {
        env: { ...process.env, ...env },
        stdio: ['ignore', 'pipe', 'pipe'],
      });
      this.children.push(child);
      let output = '';
      child.stdout!.setEncoding('utf8');
      child.stdout!.on('data', (text: string) => {
        output += text;
        const match = /listening on (http:\/\/[\d.:]+)/.exec(output);
        if (match) resolvePromise(match[1]!);
      });
      child.stderr!.setEncoding('utf8');
      child.stderr!.on('data', (text: string) => {
        this.stderr += text;
      });
      child.once('exit', (code) => reject(new Error(`gateway exited with ${code}: ${output}${this.stderr}`)));
    });
  }
}

/** One non-streaming chat through a gateway, with the cache header and the parsed body. */
export async function chat(url: string, key: string, content: string, temperature?: number) {
  const response = await request(`${url}/v1/chat/completions`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: `Bearer ${key}` },
    body: JSON.stringify({
      model: 'offline',
      messages: [{ role: 'user', content }],
      ...(temperature === undefined ? {} : { temperature }),
    }),
  });
  const body = (await response.body.json()) as {
    usage?: { total_tokens: number };
    error?: { code?: string };
  };
  return { status: response.statusCode, cache: response.headers['x-victor-cache'], body };
}

/** `POST /admin/cache/invalidate` with a key and a target. */
export async function invalidate(url: string, key: string, target: unknown) {
  const response = await request(`${url}/admin/cache/invalidate`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: `Bearer ${key}` },
    body: JSON.stringify(target),
  });
  return { status: response.statusCode, body: (await response.body.json()) as Record<string, unknown> };
}
