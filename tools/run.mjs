#!/usr/bin/env node
// Entry point of the root npm scripts: installs the pinned pnpm and the workspace when missing, then runs
// the demo, the tests or the benchmark. Works on a fresh clone with only Node and npm.
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const PNPM_VERSION = '12.4.2';
const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const [command, ...rest] = process.argv.slice(2);

function run(cmd, args, options = {}) {
  const result = spawnSync(cmd, args, { cwd: root, stdio: 'inherit', ...options });
  if (result.error) throw result.error;
  return result.status ?? 1;
}

function pnpmCommand() {
  const probe = spawnSync('pnpm', ['--version'], { encoding: 'utf8' });
  if (probe.status === 0 && probe.stdout.trim() === PNPM_VERSION) return ['pnpm', []];
  // npx fetches the pinned pnpm once into npm's cache; no global install needed.
  return ['npx', ['--yes', `pnpm@${PNPM_VERSION}`]];
}

const [pnpm, pnpmPrefix] = pnpmCommand();
function pnpmRun(args, options) {
  return run(pnpm, [...pnpmPrefix, ...args], options);
}

function ensureInstalled() {
  const marker = join(root, 'node_modules', '.modules.yaml');
  const lock = join(root, 'pnpm-lock.yaml');
  if (existsSync(marker)) {
    // Re-install when the lock file is newer than the installed tree.
    const installedLock = join(root, 'node_modules', '.pnpm', 'lock.yaml');
    if (existsSync(installedLock) && readFileSync(installedLock, 'utf8') === readFileSync(lock, 'utf8'))
      return;
  }
  const status = pnpmRun(['install', '--frozen-lockfile', '--reporter=append-only'], {
    env: { ...process.env, CI: process.env.CI ?? 'true' },
  });
  if (status !== 0) process.exit(status);
}

const env = { ...process.env, NX_DAEMON: 'false', NX_NO_CLOUD: 'true', NX_TUI: 'false' };

/** Builds a project and what it depends on, printing the build's output only when it fails. */
function quietBuild(project) {
  const result = spawnSync(
    pnpm,
    [...pnpmPrefix, 'exec', 'nx', 'run', `${project}:build`, '--output-style=stream'],
    {
      cwd: root,
      env,
      encoding: 'utf8',
      maxBuffer: 64 * 1024 * 1024,
    },
  );
  if (result.status === 0) return true;
  process.stderr.write(result.stdout ?? '');
  process.stderr.write(result.stderr ?? '');
  console.error(`building ${project} failed`);
  return false;
}

ensureInstalled();
switch (command) {
  case 'test': {
    const status = pnpmRun(
      [
        'exec',
        'nx',
        'run-many',
        '-t',
        'build',
        'typecheck',
        'lint',
        'test',
        'check-package',
        '--output-style=stream',
        ...rest,
      ],
      { env },
    );
    if (status !== 0) process.exit(status);
    const entryPoints = run(process.execPath, [join(root, 'tools/check-entry-points.mjs')]);
    if (entryPoints !== 0) process.exit(entryPoints);
    process.exit(run(process.execPath, [join(root, 'tools/check-citations.mjs')]));
    break;
  }
  case 'demo': {
    if (!quietBuild('@victor-ai/demo')) process.exit(1);
    process.exit(run(process.execPath, [join(root, 'apps/demo/dist/main.js'), ...rest]));
    break;
  }
  case 'bench': {
    if (!quietBuild('@victor-ai/benchmark')) process.exit(1);
    process.exit(run(process.execPath, ['--expose-gc', join(root, 'apps/benchmark/dist/main.js'), ...rest]));
    break;
  }
  case 'eval:toolsel': {
    if (!quietBuild('@victor-ai/tool-selection')) process.exit(1);
    process.exit(
      run(process.execPath, [join(root, 'packages/tool-selection/scripts/eval-toolsel.mjs'), ...rest]),
    );
    break;
  }
  default:
    console.error(
      `tools/run.mjs: unknown command ${JSON.stringify(command)}; expected test, demo, bench or eval:toolsel`,
    );
    process.exit(2);
}
