import { execFile } from 'node:child_process';
import {
  copyFileSync,
  mkdirSync,
  mkdtempSync,
  realpathSync,
  rmSync,
  symlinkSync,
  writeFileSync,
} from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

const run = promisify(execFile);
const packageRoot = join(import.meta.dirname, '..');
const workspaceRoot = join(packageRoot, '..', '..');
// esbuild comes with tsup, the workspace's bundler; pnpm links it beside tsup's real folder (its types are not
// visible from here, hence the one signature this test uses).
const esbuild = createRequire(
  join(realpathSync(join(workspaceRoot, 'node_modules', 'tsup')), 'package.json'),
)('esbuild') as { build(options: Record<string, unknown>): Promise<unknown> };

// A tiny application that uses the worker pool, as a user writes it; bundled below with esbuild.
const PROGRAM = `
import { defineWorkerTask } from ${JSON.stringify(join(packageRoot, 'src', 'index.ts'))};
import { createWorkerPool } from ${JSON.stringify(join(packageRoot, 'src', 'workers.ts'))};
let pool;
try {
  pool = createWorkerPool({ size: 1 });
  const double = defineWorkerTask(new URL('./task.mjs', import.meta.url), 'double');
  console.log(JSON.stringify({ result: await pool.run(double, 21) }));
} catch (error) {
  console.log(JSON.stringify({ code: error.code, option: error.option, message: error.message }));
} finally {
  await pool?.close();
}
`;

describe('createWorkerPool after bundling with esbuild', () => {
  let dir: string;
  let out: string;

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'victor-executor-bundle-'));
    out = join(dir, 'out');
    mkdirSync(out);
    writeFileSync(join(dir, 'program.mjs'), PROGRAM);
    await esbuild.build({
      entryPoints: [join(dir, 'program.mjs')],
      outfile: join(out, 'app.mjs'),
      bundle: true,
      platform: 'node',
      format: 'esm',
      // piscina finds its own worker script beside its files, so it stays a package in node_modules.
      external: ['piscina'],
      nodePaths: [join(packageRoot, 'node_modules')],
      logLevel: 'silent',
    });
    // What the deployment ships beside the bundle: the task module and the installed piscina.
    writeFileSync(join(out, 'task.mjs'), 'export function double(value) { return value * 2; }\n');
    mkdirSync(join(out, 'node_modules'));
    symlinkSync(
      realpathSync(join(packageRoot, 'node_modules', 'piscina')),
      join(out, 'node_modules', 'piscina'),
    );
  }, 120_000);

  afterAll(() => {
    if (dir !== undefined) rmSync(dir, { recursive: true, force: true });
  });

  async function start(): Promise<Record<string, unknown>> {
    const { stdout } = await run(process.execPath, [join(out, 'app.mjs')], { cwd: out, timeout: 30_000 });
    return JSON.parse(stdout.trim().split('\n').at(-1) ?? '{}') as Record<string, unknown>;
  }

  it('fails with InvalidConfigError naming the missing worker-entry.mjs beside the bundle', async () => {
    rmSync(join(out, 'worker-entry.mjs'), { force: true });
    const reply = await start();
    expect(reply.code).toBe('INVALID_CONFIG');
    expect(reply.option).toBe('workerEntry');
    expect(reply.message).toContain(join(out, 'worker-entry.mjs'));
  }, 40_000);

  it('runs a task once worker-entry.mjs is copied beside the bundle', async () => {
    copyFileSync(join(packageRoot, 'src', 'worker-entry.mjs'), join(out, 'worker-entry.mjs'));
    expect(await start()).toEqual({ result: 42 });
  }, 40_000);
});
