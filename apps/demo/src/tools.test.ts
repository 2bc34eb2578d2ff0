import { spawn } from 'node:child_process';
import {
  existsSync,
  linkSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  rmSync,
  symlinkSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Tool, ToolCall } from '@victor-ai/core';
import { createSafetyMiddleware, createToolMiddlewareChain } from '@victor-ai/middleware';
import fc from 'fast-check';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { countLines, createWorkspaceTools } from './tools.js';
import { SAMPLE_WORKSPACE, Workspace } from './workspace.js';

let root: string;
let outside: string;
let workspace: Workspace;
let tools: Record<string, Tool>;
let ranFresh: (output: unknown) => boolean;

function run(name: string, args: Record<string, unknown>): Promise<Record<string, unknown>> {
  return Promise.resolve(tools[name]!.execute(args, {})) as Promise<Record<string, unknown>>;
}

beforeEach(() => {
  root = mkdtempSync(join(tmpdir(), 'victor-tools-'));
  outside = mkdtempSync(join(tmpdir(), 'victor-outside-'));
  writeFileSync(join(outside, 'secret.txt'), 'outside the workspace\n');
  mkdirSync(join(root, 'src'));
  mkdirSync(join(root, 'node_modules'));
  writeFileSync(join(root, 'README.md'), '# demo\n\nA TODO list.\n');
  writeFileSync(join(root, 'src', 'a.js'), 'export const a = 1;\n// TODO: more\n');
  writeFileSync(join(root, 'node_modules', 'skip.js'), '// TODO: never listed\n');
  workspace = new Workspace(root);
  const created = createWorkspaceTools(workspace, { shellTimeoutMs: 5_000 });
  tools = Object.fromEntries(created.tools.map((tool) => [tool.definition.name, tool]));
  ranFresh = created.ranFresh;
});

afterEach(() => {
  rmSync(root, { recursive: true, force: true });
  rmSync(outside, { recursive: true, force: true });
});

describe('createWorkspaceTools', () => {
  it('defines six tools; only the four readers are read-only, and the shell tool is tagged shell', () => {
    expect(Object.keys(tools)).toEqual([
      'list_files',
      'read_file',
      'search_text',
      'file_stats',
      'write_file',
      'run_shell',
    ]);
    expect(
      Object.values(tools)
        .filter((tool) => tool.definition.readOnly)
        .map((tool) => tool.definition.name),
    ).toEqual(['list_files', 'read_file', 'search_text', 'file_stats']);
    expect(tools.run_shell!.definition.tags).toContain('shell');
  });

  describe('list_files', () => {
    it('lists files and folders recursively, skipping node_modules', async () => {
      const output = await run('list_files', {});
      expect(output).toEqual({ path: '.', entries: ['README.md', 'src/', 'src/a.js'], truncated: false });
    });

    it('honours depth and a sub-folder', async () => {
      expect((await run('list_files', { depth: 1 })).entries).toEqual(['README.md', 'src/']);
      expect((await run('list_files', { path: 'src' })).entries).toEqual(['src/a.js']);
    });
  });

  describe('read_file', () => {
    it('returns content, size and line count', async () => {
      expect(await run('read_file', { path: 'README.md' })).toEqual({
        path: 'README.md',
        bytes: 21,
        lines: 3,
        content: '# demo\n\nA TODO list.\n',
        truncated: false,
      });
    });

    it('truncates at maxBytes', async () => {
      const output = await run('read_file', { path: 'README.md', maxBytes: 6 });
      expect(output).toMatchObject({ content: '# demo', truncated: true });
    });

    it('fails with TOOL_FAILED for a missing file or a folder', async () => {
      await expect(run('read_file', { path: 'nope.txt' })).rejects.toMatchObject({ code: 'TOOL_FAILED' });
      await expect(run('read_file', { path: 'src' })).rejects.toThrow('is not a file');
    });
  });

  describe('search_text, regular expressions', () => {
    it('refuses a pattern that backtracks exponentially instead of freezing the process', async () => {
      await expect(run('search_text', { query: '(a+)+$', regex: true })).rejects.toThrow('refused');
    });
  });

  describe('search_text', () => {
    it('finds lines case-insensitively with file and line number', async () => {
      const output = await run('search_text', { query: 'todo' });
      expect(output.matches).toEqual([
        { path: 'README.md', line: 3, text: 'A TODO list.' },
        { path: 'src/a.js', line: 2, text: '// TODO: more' },
      ]);
      expect(output.filesSearched).toBe(2);
    });

    it('treats the query literally unless regex is set', async () => {
      expect((await run('search_text', { query: 'a.js' })).matches).toEqual([]);
      expect((await run('search_text', { query: 'const \\w+ =', regex: true })).matches).toHaveLength(1);
      await expect(run('search_text', { query: '(', regex: true })).rejects.toThrow(
        'invalid regular expression',
      );
    });

    it('stops at maxResults and says so', async () => {
      const output = await run('search_text', { query: 'TODO', maxResults: 1 });
      expect(output).toMatchObject({ truncated: true });
      expect(output.matches).toHaveLength(1);
    });
  });

  describe('file_stats', () => {
    it('gives size, lines and type, and reports missing paths', async () => {
      const output = await run('file_stats', { paths: ['src/a.js', 'src', 'gone.txt'] });
      const files = output.files as Array<Record<string, unknown>>;
      expect(files[0]).toMatchObject({ path: 'src/a.js', type: 'file', bytes: 34, lines: 2 });
      expect(files[1]).toMatchObject({ path: 'src', type: 'directory' });
      expect(files[2]).toEqual({ path: 'gone.txt', error: 'does not exist' });
    });
  });

  describe('write_file', () => {
    it('creates a file (and its folders) inside the workspace', async () => {
      const output = await run('write_file', { path: 'docs/notes.md', content: 'hello\n' });
      expect(output).toEqual({ path: 'docs/notes.md', bytes: 6, created: true });
      expect(readFileSync(join(root, 'docs', 'notes.md'), 'utf8')).toBe('hello\n');
    });

    it('refuses to replace a file unless overwrite is true', async () => {
      await expect(run('write_file', { path: 'README.md', content: 'x' })).rejects.toThrow('exists');
      expect(readFileSync(join(root, 'README.md'), 'utf8')).toContain('# demo');
      expect(await run('write_file', { path: 'README.md', content: 'x', overwrite: true })).toMatchObject({
        created: false,
      });
    });

    it('is confined to the workspace: parent paths, absolute paths and symlinks out are refused', async () => {
      await expect(run('write_file', { path: '../escape.txt', content: 'x' })).rejects.toThrow(
        'outside the workspace',
      );
      await expect(run('write_file', { path: join(outside, 'x.txt'), content: 'x' })).rejects.toThrow(
        'outside the workspace',
      );
      symlinkSync(outside, join(root, 'link'));
      await expect(run('write_file', { path: 'link/x.txt', content: 'x' })).rejects.toThrow(
        'outside the workspace',
      );
      await expect(run('read_file', { path: 'link/secret.txt' })).rejects.toThrow('outside the workspace');
      expect(readFileSync(join(outside, 'secret.txt'), 'utf8')).toBe('outside the workspace\n');
    });
  });

  describe('run_shell', () => {
    it('runs a command in the workspace and returns its exit code and output', async () => {
      const output = await run('run_shell', { command: 'pwd; echo oops >&2; exit 3' });
      expect(output).toMatchObject({
        exitCode: 3,
        timedOut: false,
        stdout: `${workspace.root}\n`,
        stderr: 'oops\n',
      });
    });

    it('kills a command that passes its deadline', async () => {
      const output = await run('run_shell', { command: 'sleep 5', timeoutMs: 200 });
      expect(output).toMatchObject({ timedOut: true, exitCode: null, signal: 'SIGKILL' });
    });

    it('gives the command the workspace as HOME, so ~ stays inside it', async () => {
      const output = await run('run_shell', { command: 'echo ~' });
      expect(output.stdout).toBe(`${workspace.root}\n`);
    });

    it('does not leave background processes running after the command', async () => {
      const pidFile = join(workspace.root, 'background.pid');
      await run('run_shell', { command: `sleep 30 >/dev/null 2>&1 & echo $! > ${pidFile}` });
      const pid = Number(readFileSync(pidFile, 'utf8'));
      const alive = () => {
        try {
          process.kill(pid, 0);
          return true;
        } catch {
          return false;
        }
      };
      await expect.poll(alive, { timeout: 2_000 }).toBe(false);
    });

    describe('under a tool-result cache (reportChangedPaths given)', () => {
      async function reported(command: string): Promise<string[] | undefined> {
        let paths: string[] | undefined;
        await tools.run_shell!.execute(
          { command },
          { reportChangedPaths: (changed) => (paths = [...(paths ?? []), ...changed]) },
        );
        return paths?.map((path) => path.slice(workspace.root.length + 1)).sort();
      }

      it('reports every file and folder the command created, changed or deleted', async () => {
        expect(
          await reported(
            'echo more >> src/a.js; mkdir gen; echo b > gen/b.js; rm README.md; echo x > node_modules/skip.js',
          ),
        ).toEqual(['README.md', 'gen', 'gen/b.js', 'node_modules/skip.js', 'src/a.js']);
      });

      it('reports that nothing changed after a command that only reads', async () => {
        expect(await reported('cat README.md src/a.js; ls -R')).toEqual([]);
      });

      it('reports nothing at all when the workspace holds a symbolic link', async () => {
        symlinkSync(join(root, 'README.md'), join(root, 'src', 'readme-link.md'));
        expect(await reported('printf new > README.md')).toBeUndefined();
      });

      it('reports nothing at all when the workspace is too large to compare', async () => {
        mkdirSync(join(root, 'many'));
        for (let i = 0; i < 2_001; i++) writeFileSync(join(root, 'many', `f${i}`), '');
        expect(await reported('echo changed > README.md')).toBeUndefined();
      });
    });

    it('does not pass API keys from the environment to the command', async () => {
      process.env.VICTOR_API_KEY = 'sk-test-not-for-commands';
      try {
        const output = await run('run_shell', { command: 'echo "[$VICTOR_API_KEY]"' });
        expect(output.stdout).toBe('[]\n');
      } finally {
        delete process.env.VICTOR_API_KEY;
      }
    });
  });

  describe('ranFresh', () => {
    it('is true once for an output a tool produced, false for anything else', async () => {
      const output = await run('read_file', { path: 'README.md' });
      expect(ranFresh(output)).toBe(true);
      expect(ranFresh(output)).toBe(false);
      expect(ranFresh({ ...output })).toBe(false);
      expect(ranFresh('text')).toBe(false);
    });
  });
});

describe('countLines', () => {
  it('counts lines, a final newline not starting another', () => {
    expect([
      countLines(''),
      countLines('a'),
      countLines('a\n'),
      countLines('a\nb'),
      countLines('\n\n'),
    ]).toEqual([0, 1, 1, 2, 2]);
  });
});

describe('tools behind the safety middleware', () => {
  function call(name: string, args: Record<string, unknown>): ToolCall {
    return { id: `call-${name}`, name, arguments: args };
  }

  it('blocks a destructive shell command before it runs, and paths outside the workspace', async () => {
    const chain = createToolMiddlewareChain([createSafetyMiddleware({ workspaceRoot: workspace.root })]);
    const blocked = await chain.execute(tools.run_shell!, call('run_shell', { command: 'rm -rf ~/*' }), {});
    expect(blocked).toMatchObject({ ok: false, error: { code: 'DANGEROUS_COMMAND', middleware: 'safety' } });
    const outsideRead = await chain.execute(
      tools.read_file!,
      call('read_file', { path: '../../etc/passwd' }),
      {},
    );
    expect(outsideRead).toMatchObject({
      ok: false,
      error: { code: 'PATH_OUTSIDE_WORKSPACE', middleware: 'safety' },
    });
    const allowed = await chain.execute(tools.run_shell!, call('run_shell', { command: 'echo fine' }), {});
    expect(allowed).toMatchObject({ ok: true, output: { stdout: 'fine\n', exitCode: 0 } });
  });
});

describe('escapes through links', () => {
  function call(name: string, args: Record<string, unknown>): ToolCall {
    return { id: `call-${name}`, name, arguments: args };
  }

  it.each([
    ['an absolute', () => join(outside, 'planted.txt')],
    ['a relative', () => `../${outside.split('/').pop()}/planted.txt`],
  ])(
    'does not create a file through a dangling link with %s target (path check and guard)',
    async (_kind, target) => {
      symlinkSync(target(), join(root, 'notes.txt'));
      const chain = createToolMiddlewareChain([createSafetyMiddleware({ workspaceRoot: workspace.root })]);
      const args = { path: 'notes.txt', content: 'x', overwrite: true };
      const blocked = await chain.execute(tools.write_file!, call('write_file', args), {});
      expect(blocked).toMatchObject({
        ok: false,
        error: { code: 'PATH_OUTSIDE_WORKSPACE', middleware: 'safety' },
      });
      // The tool's own guard refuses it too, without the middleware in front.
      await expect(run('write_file', args)).rejects.toThrow('SYMLINK_REFUSED');
      expect(existsSync(join(outside, 'planted.txt'))).toBe(false);
    },
  );

  it('blocks ln of a file outside the workspace in run_shell', async () => {
    const chain = createToolMiddlewareChain([createSafetyMiddleware({ workspaceRoot: workspace.root })]);
    const result = await chain.execute(
      tools.run_shell!,
      call('run_shell', { command: `ln ${join(outside, 'secret.txt')} h.txt` }),
      {},
    );
    expect(result).toMatchObject({ ok: false, error: { code: 'DANGEROUS_COMMAND' } });
    expect(result.ok === false && result.error.message).toContain('link-outside-workspace');
    expect(existsSync(join(root, 'h.txt'))).toBe(false);
  });

  it('neither reads, searches nor changes an outside file hard-linked into the workspace', async () => {
    linkSync(join(outside, 'secret.txt'), join(root, 'h.txt'));
    await expect(run('read_file', { path: 'h.txt' })).rejects.toThrow('HARD_LINK_REFUSED');
    await expect(run('write_file', { path: 'h.txt', content: 'changed', overwrite: true })).rejects.toThrow(
      'HARD_LINK_REFUSED',
    );
    const found = await run('search_text', { query: 'outside the workspace' });
    expect(found.matches).toEqual([]);
    expect(readFileSync(join(outside, 'secret.txt'), 'utf8')).toBe('outside the workspace\n');
  });
});

describe('read_file while a folder is swapped for a link', () => {
  it('never returns the outside file', { timeout: 60_000 }, async () => {
    mkdirSync(join(root, '.real'));
    writeFileSync(join(root, '.real', 'data.txt'), 'inside');
    writeFileSync(join(outside, 'data.txt'), 'SECRET');
    symlinkSync(outside, join(root, '.evil'));
    // Another process swaps `dir` between the real folder and a link out, at most 100,000 times, until killed.
    const script = `
      const { renameSync } = require('node:fs');
      const at = (name) => process.argv[1] + '/' + name;
      process.send('ready');
      for (let i = 0; i < 100000; i++) {
        for (const from of ['.real', '.evil']) {
          try { renameSync(at(from), at('dir')); renameSync(at('dir'), at(from)); } catch {}
        }
      }`;
    const swapper = spawn(process.execPath, ['-e', script, root], {
      stdio: ['ignore', 'ignore', 'inherit', 'ipc'],
    });
    try {
      await new Promise<void>((ready) => swapper.once('message', () => ready()));
      const seen = { inside: 0, outside: 0, refused: 0 };
      for (let attempt = 0; attempt < 2_000; attempt++) {
        try {
          const output = await run('read_file', { path: 'dir/data.txt' });
          if (output.content === 'SECRET') seen.outside++;
          else seen.inside++;
        } catch {
          seen.refused++;
        }
      }
      expect(seen.outside).toBe(0);
      expect(seen.refused).toBeGreaterThan(0);
    } finally {
      swapper.kill('SIGKILL');
    }
  });
});

describe('Workspace', () => {
  it('resolves every relative path either inside the root or throws (property)', () => {
    const segment = fc.constantFrom('..', '.', 'src', 'a.js', 'x', '', 'link');
    fc.assert(
      fc.property(fc.array(segment, { maxLength: 6 }), (segments) => {
        const path = segments.join('/');
        let resolved: string;
        try {
          resolved = workspace.resolve(path === '' ? '.' : path);
        } catch (error) {
          expect((error as Error).message).toContain('outside the workspace');
          return;
        }
        expect(resolved === workspace.root || resolved.startsWith(`${workspace.root}/`)).toBe(true);
      }),
    );
  });

  it('gives workspace-relative paths', () => {
    expect(workspace.relative(workspace.root)).toBe('.');
    expect(workspace.relative(join(workspace.root, 'src', 'a.js'))).toBe('src/a.js');
  });

  it('finds the sample workspace shipped with the demo', () => {
    expect(readFileSync(join(SAMPLE_WORKSPACE, 'package.json'), 'utf8')).toContain('"tiny-tasks"');
  });
});
