import { type ChildProcess, type ForkOptions, fork } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

// Builds this package's source into a plain ES module that a second Node process can import (Node 20 runs
// no TypeScript), then runs a TieredCache in that process, driven over IPC.
/** This package's directory. */
export const packageRoot = join(import.meta.dirname, '..', '..');
/** Where the bundle and the child script are written; a script there imports the package as `./index.js` and `./redis.js`. */
export const outDir = join(packageRoot, 'node_modules', '.cache', 'victor-cache-two-process');

const CHILD = `
import { MemoryCache, TieredCache } from './index.js';
import { RedisCache } from './redis.js';
const [url, namespace] = process.argv.slice(2);
// A long staleness bound: a stall of a loaded machine must not empty the memory tier these tests peek into.
const cache = new TieredCache({
  maxStalenessMs: 10_000,
  memory: new MemoryCache({ name: 'child-memory' }),
  redis: new RedisCache({ name: 'tiered', url, namespace, commandTimeoutMs: 2000, onWarning: () => {} }),
});
await cache.subscribed;
process.on('message', async ({ id, op, key, value, tags }) => {
  let result;
  if (op === 'get') result = { value: await cache.get(key) };
  else if (op === 'peek') result = { value: cache.memory.lookup(key)?.value };
  else if (op === 'set') result = { value: await cache.set(key, value, tags ? { tags } : {}) };
  else if (op === 'invalidateTags') result = { value: await cache.invalidateTags(tags) };
  else if (op === 'close') {
    await cache.close();
    process.send({ id, value: null }, () => process.exit(0));
    return;
  }
  process.send({ id, ...result });
});
process.send({ ready: true });
`;

const builds = new Map<string, Promise<void>>();

/**
 * Bundles src/index.ts and src/redis.ts (dependencies left external, resolved from this package) once per test run into
 * `dir` (each test file that forks processes uses its own, since test files run in parallel).
 */
export function buildForChildProcess(dir: string = outDir): Promise<void> {
  let built = builds.get(dir);
  if (built === undefined) {
    built = (async () => {
      const { build } = await import('tsup');
      mkdirSync(dir, { recursive: true });
      await build({
        entry: { index: join(packageRoot, 'src', 'index.ts'), redis: join(packageRoot, 'src', 'redis.ts') },
        format: ['esm'],
        outDir: dir,
        outExtension: () => ({ js: '.js' }),
        platform: 'node',
        target: 'node20',
        dts: false,
        silent: true,
        config: false,
        clean: false,
        tsconfig: join(packageRoot, 'tsconfig.build.json'),
      });
      writeFileSync(join(dir, 'package.json'), '{"type":"module"}\n');
      writeFileSync(join(dir, 'child.js'), CHILD);
    })();
    builds.set(dir, built);
  }
  return built;
}

/** Forks `script` with `args` and resolves once it sends its first message (it is ready); `what` names it in errors. */
export async function forkReady(
  script: string,
  args: string[],
  options: ForkOptions,
  what: string,
): Promise<ChildProcess> {
  const child = fork(script, args, options);
  await new Promise<void>((resolve, reject) => {
    child.once('error', reject);
    child.once('exit', (code) => reject(new Error(`${what} exited with ${code}`)));
    child.once('message', () => resolve());
  });
  child.removeAllListeners('exit');
  return child;
}

/** A TieredCache living in another Node process. */
export class CacheProcess {
  private readonly child: ChildProcess;
  private nextId = 0;
  private readonly waiting = new Map<number, (value: unknown) => void>();

  private constructor(child: ChildProcess) {
    this.child = child;
    child.on('message', (message: { id?: number; value?: unknown }) => {
      if (message.id === undefined) return;
      this.waiting.get(message.id)?.(message.value);
      this.waiting.delete(message.id);
    });
  }

  static async start(url: string, namespace: string): Promise<CacheProcess> {
    await buildForChildProcess();
    const child = await forkReady(
      join(outDir, 'child.js'),
      [url, namespace],
      { stdio: 'inherit' },
      'cache process',
    );
    return new CacheProcess(child);
  }

  private call(message: Record<string, unknown>): Promise<unknown> {
    const id = this.nextId++;
    return new Promise((resolve) => {
      this.waiting.set(id, resolve);
      this.child.send({ id, ...message });
    });
  }

  get(key: string): Promise<unknown> {
    return this.call({ op: 'get', key });
  }

  /** What the other process holds in its memory tier for `key`. */
  peek(key: string): Promise<unknown> {
    return this.call({ op: 'peek', key });
  }

  set(key: string, value: unknown, tags?: string[]): Promise<unknown> {
    return this.call({ op: 'set', key, value, tags });
  }

  invalidateTags(tags: string[]): Promise<unknown> {
    return this.call({ op: 'invalidateTags', tags });
  }

  async close(): Promise<void> {
    if (this.child.exitCode !== null) return;
    const exited = new Promise((resolve) => this.child.once('exit', resolve));
    await this.call({ op: 'close' });
    await exited;
  }
}
