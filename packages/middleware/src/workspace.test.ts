import { type ChildProcess, execFileSync, spawn } from 'node:child_process';
import {
  existsSync,
  linkSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  realpathSync,
  rmSync,
  symlinkSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { InvalidConfigError } from '@victor-ai/core';
import { afterAll, afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createWorkspace, WorkspaceAccessError, type WorkspaceErrorCode } from './workspace.js';

const base = realpathSync(mkdtempSync(join(tmpdir(), 'victor-workspace-')));
afterAll(() => rmSync(base, { recursive: true, force: true }));

let root: string;
let outside: string;
let counter = 0;

beforeEach(() => {
  counter++;
  root = join(base, `ws-${counter}`);
  outside = join(base, `outside-${counter}`);
  mkdirSync(join(root, 'src'), { recursive: true });
  mkdirSync(outside);
  writeFileSync(join(root, 'src', 'index.ts'), 'export const a = 1;\n');
  writeFileSync(join(outside, 'secret.txt'), 'SECRET');
});

async function refusal(promise: Promise<unknown>): Promise<WorkspaceErrorCode> {
  try {
    await promise;
  } catch (error) {
    expect(error).toBeInstanceOf(WorkspaceAccessError);
    expect((error as WorkspaceAccessError).code).toBe('INVALID_ARGUMENTS');
    return (error as WorkspaceAccessError).reasonCode;
  }
  throw new Error('expected a refusal');
}

describe('createWorkspace', () => {
  describe('inside the workspace', () => {
    it('should read, write, list and stat', async () => {
      const workspace = await createWorkspace(root);
      expect(workspace.root).toBe(realpathSync(root));
      expect((await workspace.readFile('src/index.ts')).toString()).toBe('export const a = 1;\n');
      expect(await workspace.writeFile('src/new.ts', 'x')).toEqual({ created: true, bytes: 1 });
      expect(await workspace.writeFile('src/new.ts', 'longer')).toEqual({ created: false, bytes: 6 });
      expect(readFileSync(join(root, 'src/new.ts'), 'utf8')).toBe('longer');
      expect(await workspace.writeFile('src/new.ts', 'ab')).toEqual({ created: false, bytes: 2 });
      expect(readFileSync(join(root, 'src/new.ts'), 'utf8')).toBe('ab');
      expect(await workspace.list('src')).toEqual([
        { name: 'index.ts', path: 'src/index.ts', type: 'file' },
        { name: 'new.ts', path: 'src/new.ts', type: 'file' },
      ]);
      expect(await workspace.stat('src/index.ts')).toMatchObject({
        path: 'src/index.ts',
        type: 'file',
        size: 20,
        links: 1,
      });
      expect(await workspace.stat('.')).toMatchObject({ path: '.', type: 'directory' });
    });

    it('should create parent folders only when told to, and refuse to overwrite when told to', async () => {
      const workspace = await createWorkspace(root);
      expect(await refusal(workspace.writeFile('a/b/c.txt', 'x'))).toBe('NOT_FOUND');
      expect(await workspace.writeFile('a/b/c.txt', 'x', { createParents: true })).toEqual({
        created: true,
        bytes: 1,
      });
      expect(await refusal(workspace.writeFile('a/b/c.txt', 'y', { overwrite: false }))).toBe(
        'ALREADY_EXISTS',
      );
      expect(readFileSync(join(root, 'a/b/c.txt'), 'utf8')).toBe('x');
    });

    it('should follow links inside the workspace in folders, and describe a last-component link without following it', async () => {
      symlinkSync(join(root, 'src'), join(root, 'inner'));
      symlinkSync('index.ts', join(root, 'src', 'alias.ts'));
      const workspace = await createWorkspace(root);
      expect((await workspace.readFile('inner/index.ts')).toString()).toContain('export');
      expect(await refusal(workspace.readFile('src/alias.ts'))).toBe('SYMLINK_REFUSED');
      expect(await workspace.stat('src/alias.ts')).toMatchObject({ type: 'symlink' });
      expect((await workspace.list('.')).find((entry) => entry.name === 'inner')).toMatchObject({
        type: 'symlink',
      });
    });

    it('should refuse files over maxBytes, and folders as files', async () => {
      const workspace = await createWorkspace(root, { maxReadBytes: 4 });
      expect(await refusal(workspace.readFile('src/index.ts'))).toBe('TOO_LARGE');
      expect((await workspace.readFile('src/index.ts', { maxBytes: 100 })).length).toBe(20);
      expect(await refusal(workspace.readFile('src'))).toBe('NOT_A_FILE');
      expect(await refusal(workspace.writeFile('src', 'x'))).toBe('NOT_A_FILE');
      expect(await refusal(workspace.list('src/index.ts'))).toBe('NOT_A_DIRECTORY');
    });

    it('should refuse a FIFO without blocking on it', async () => {
      try {
        execFileSync('mkfifo', [join(root, 'pipe')]);
      } catch {
        console.warn('mkfifo is not available: FIFO case skipped');
        return;
      }
      const workspace = await createWorkspace(root);
      expect(await refusal(workspace.readFile('pipe'))).toBe('NOT_A_FILE');
      expect(await refusal(workspace.writeFile('pipe', 'x'))).toBe('NOT_A_FILE');
      expect(await workspace.stat('pipe')).toMatchObject({ type: 'other' });
    });
  });

  describe('paths that leave the workspace', () => {
    it.each(['../outside-x/secret.txt', '/etc/passwd', 'src/../../x', '..'])(
      'should refuse %s lexically',
      async (path) => {
        const workspace = await createWorkspace(root);
        expect(await refusal(workspace.readFile(path))).toBe('PATH_OUTSIDE_WORKSPACE');
        expect(await refusal(workspace.writeFile(path, 'x'))).toBe('PATH_OUTSIDE_WORKSPACE');
      },
    );

    it('should refuse empty paths and NUL bytes', async () => {
      const workspace = await createWorkspace(root);
      expect(await refusal(workspace.readFile(''))).toBe('INVALID_PATH');
      expect(await refusal(workspace.readFile('a\0b'))).toBe('INVALID_PATH');
    });

    it('should refuse a folder link that leads outside, for every operation', async () => {
      symlinkSync(outside, join(root, 'escape'));
      const workspace = await createWorkspace(root);
      expect(await refusal(workspace.readFile('escape/secret.txt'))).toBe('PATH_OUTSIDE_WORKSPACE');
      expect(await refusal(workspace.writeFile('escape/new.txt', 'x'))).toBe('PATH_OUTSIDE_WORKSPACE');
      expect(await refusal(workspace.writeFile('escape/secret.txt', 'x'))).toBe('PATH_OUTSIDE_WORKSPACE');
      expect(await refusal(workspace.list('escape'))).toBe('PATH_OUTSIDE_WORKSPACE');
      expect(await refusal(workspace.stat('escape/secret.txt'))).toBe('PATH_OUTSIDE_WORKSPACE');
      expect(await refusal(workspace.writeFile('escape/deep/new.txt', 'x', { createParents: true }))).toBe(
        'PATH_OUTSIDE_WORKSPACE',
      );
      expect(existsSync(join(outside, 'new.txt'))).toBe(false);
      expect(existsSync(join(outside, 'deep'))).toBe(false);
      expect(readFileSync(join(outside, 'secret.txt'), 'utf8')).toBe('SECRET');
    });

    it('should not create a file through a dangling link with an absolute target', async () => {
      symlinkSync(join(outside, 'planted.txt'), join(root, 'notes.txt'));
      const workspace = await createWorkspace(root);
      expect(await refusal(workspace.writeFile('notes.txt', 'x'))).toBe('SYMLINK_REFUSED');
      expect(await refusal(workspace.writeFile('notes.txt', 'x', { overwrite: false }))).toBe(
        'ALREADY_EXISTS',
      );
      expect(existsSync(join(outside, 'planted.txt'))).toBe(false);
    });

    it('should not create a file through a dangling link with a relative target', async () => {
      symlinkSync(`../../outside-${counter}/planted.txt`, join(root, 'src', 'notes.txt'));
      const workspace = await createWorkspace(root);
      expect(await refusal(workspace.writeFile('src/notes.txt', 'x'))).toBe('SYMLINK_REFUSED');
      expect(await refusal(workspace.readFile('src/notes.txt'))).toBe('SYMLINK_REFUSED');
      expect(existsSync(join(outside, 'planted.txt'))).toBe(false);
    });

    it('should not create folders through a dangling folder link', async () => {
      symlinkSync(join(outside, 'made'), join(root, 'out'));
      const workspace = await createWorkspace(root);
      const code = await refusal(workspace.writeFile('out/x.txt', 'x', { createParents: true }));
      expect(['SYMLINK_REFUSED', 'NOT_FOUND', 'PATH_OUTSIDE_WORKSPACE']).toContain(code);
      expect(existsSync(join(outside, 'made'))).toBe(false);
    });

    it('should refuse hard-linked files for writes, and for reads unless configured', async () => {
      linkSync(join(outside, 'secret.txt'), join(root, 'h.txt'));
      const workspace = await createWorkspace(root);
      expect(await refusal(workspace.readFile('h.txt'))).toBe('HARD_LINK_REFUSED');
      expect(await refusal(workspace.writeFile('h.txt', 'changed'))).toBe('HARD_LINK_REFUSED');
      expect(readFileSync(join(outside, 'secret.txt'), 'utf8')).toBe('SECRET');
      expect(await workspace.stat('h.txt')).toMatchObject({ links: 2 });
      const lenient = await createWorkspace(root, { allowHardLinkedReads: true });
      expect((await lenient.readFile('h.txt')).toString()).toBe('SECRET');
      expect(await refusal(lenient.writeFile('h.txt', 'changed'))).toBe('HARD_LINK_REFUSED');
    });
  });

  describe('a folder swapped for a link while reading', () => {
    let swapper: ChildProcess | undefined;
    afterEach(() => {
      swapper?.kill('SIGKILL');
      swapper = undefined;
    });

    it('should never return the outside file', { timeout: 60_000 }, async () => {
      const real = join(root, '.real');
      mkdirSync(real);
      writeFileSync(join(real, 'data.txt'), 'inside');
      writeFileSync(join(outside, 'data.txt'), 'SECRET');
      symlinkSync(outside, join(root, '.evil'));
      // Another process swaps `dir` between the real folder and a link to the outside folder, at most
      // 200,000 times (it stops by itself), until it is killed.
      const script = `
        const { renameSync } = require('node:fs');
        const dir = process.argv[1] + '/dir';
        process.send('ready');
        for (let i = 0; i < 200000; i++) {
          for (const from of ['/.real', '/.evil']) {
            try { renameSync(process.argv[1] + from, dir); renameSync(dir, process.argv[1] + from); } catch {}
          }
        }`;
      const child = spawn(process.execPath, ['-e', script, root], {
        stdio: ['ignore', 'ignore', 'inherit', 'ipc'],
      });
      swapper = child;
      await new Promise<void>((ready) => child.once('message', () => ready()));
      const workspace = await createWorkspace(root);
      const seen = { inside: 0, outside: 0, refused: 0 };
      for (let attempt = 0; attempt < 4_000; attempt++) {
        try {
          const text = (await workspace.readFile('dir/data.txt')).toString();
          if (text === 'SECRET') seen.outside++;
          else seen.inside++;
        } catch (error) {
          if (!(error instanceof WorkspaceAccessError)) throw error;
          seen.refused++;
        }
      }
      expect(seen.outside).toBe(0);
      // The swap really happened under the reads: some were refused (outside, or gone for an instant).
      expect(seen.refused).toBeGreaterThan(0);
      expect(seen.inside + seen.refused).toBe(4_000);
    });
  });

  describe('the README example', () => {
    it('should behave as the README says', async () => {
      mkdirSync(join(base, 'other'), { recursive: true });
      const workspace = await createWorkspace(root);
      expect(await workspace.writeFile('notes/todo.md', '- ship\n', { createParents: true })).toEqual({
        created: true,
        bytes: 7,
      });
      expect((await workspace.readFile('notes/todo.md')).toString()).toBe('- ship\n');
      expect(await workspace.list('notes')).toEqual([
        { name: 'todo.md', path: 'notes/todo.md', type: 'file' },
      ]);
      expect(await refusal(workspace.readFile('../other/secret.txt'))).toBe('PATH_OUTSIDE_WORKSPACE');
    });
  });

  describe('options', () => {
    it('should reject a bad root and bad options, naming them', async () => {
      await expect(createWorkspace('')).rejects.toThrow(InvalidConfigError);
      await expect(createWorkspace(join(base, 'missing'))).rejects.toThrow('root must be an existing folder');
      await expect(createWorkspace(join(root, 'src', 'index.ts'))).rejects.toThrow('root must be a folder');
      await expect(createWorkspace(root, { maxReadBytes: -1 })).rejects.toThrow('maxReadBytes');
      await expect(
        createWorkspace(root, { allowHardLinkedReads: 'yes' as unknown as boolean }),
      ).rejects.toThrow('allowHardLinkedReads');
    });
  });
});
