import type { Tool } from '@victor-ai/core';
import fc from 'fast-check';
import { beforeEach, describe, expect, it } from 'vitest';
import { RecordingMetrics } from './__fixtures__/recording-metrics.js';
import { MemoryCache } from './memory-cache.js';
import { ToolResultCache } from './tool-result-cache.js';

/** A fake file system: read-only tools read it, writing tools change it and count their runs. */
function fakeTools() {
  const files = new Map<string, string>([
    ['/repo/src/a.ts', 'a1'],
    ['/repo/src/b.ts', 'b1'],
    ['/repo/README.md', 'r1'],
  ]);
  const runs = { read: 0, list: 0, search: 0 };
  const read: Tool = {
    definition: { name: 'read_file', description: 'reads', parameters: {}, readOnly: true },
    execute: (args) => {
      runs.read++;
      return files.get(String(args.path).replace(/^(?!\/)/, '/repo/'));
    },
  };
  const list: Tool = {
    definition: { name: 'list_dir', description: 'lists', parameters: {}, readOnly: true },
    execute: (args) => {
      runs.list++;
      const dir = String(args.directory);
      return [...files.keys()].filter((path) => path.startsWith(`${dir}/`)).sort();
    },
  };
  const search: Tool = {
    definition: { name: 'search', description: 'greps', parameters: {}, readOnly: true },
    execute: (args) => {
      runs.search++;
      return [...files].filter(([, text]) => text.includes(String(args.query))).map(([path]) => path);
    },
  };
  const write: Tool = {
    definition: { name: 'write_file', description: 'writes', parameters: {} },
    execute: (args) => {
      files.set(String(args.file), String(args.content));
      return 'ok';
    },
  };
  const remove: Tool = {
    definition: { name: 'remove', description: 'removes a tree', parameters: {} },
    execute: (args) => {
      for (const path of [...files.keys()]) if (path.startsWith(`${args.path}/`)) files.delete(path);
      return 'ok';
    },
  };
  const shell: Tool = {
    definition: { name: 'shell', description: 'runs anything', parameters: {} },
    execute: (args) => {
      files.set('/repo/src/a.ts', String(args.command));
      return 'ok';
    },
  };
  return { files, runs, read, list, search, write, remove, shell };
}

describe('ToolResultCache', () => {
  let tools: ReturnType<typeof fakeTools>;
  let cache: ToolResultCache;
  beforeEach(() => {
    tools = fakeTools();
    cache = new ToolResultCache({ cache: new MemoryCache({ name: 'tool-results' }), rootDir: '/repo' });
  });

  it('serves a read-only tool from the cache the second time', async () => {
    expect(await cache.execute(tools.read, { path: '/repo/src/a.ts' })).toEqual({
      output: 'a1',
      cached: false,
    });
    expect(await cache.execute(tools.read, { path: '/repo/src/a.ts' })).toEqual({
      output: 'a1',
      cached: true,
    });
    expect(tools.runs.read).toBe(1);
  });

  it('never caches a tool that is not read-only', async () => {
    await cache.execute(tools.write, { file: '/repo/x', content: '1' });
    expect(await cache.execute(tools.write, { file: '/repo/x', content: '1' })).toEqual({
      output: 'ok',
      cached: false,
    });
  });

  it('a write on a file invalidates reads of that file, given as a relative path too', async () => {
    await cache.execute(tools.read, { path: 'src/a.ts' });
    await cache.execute(tools.write, { file: '/repo/src/a.ts', content: 'a2' });
    expect(await cache.execute(tools.read, { path: 'src/a.ts' })).toEqual({ output: 'a2', cached: false });
  });

  it('a write on a file invalidates listings of the directories above it', async () => {
    await cache.execute(tools.list, { directory: '/repo/src' });
    await cache.execute(tools.list, { directory: '/repo' });
    await cache.execute(tools.write, { file: '/repo/src/c.ts', content: 'c1' });
    expect((await cache.execute(tools.list, { directory: '/repo/src' })).output).toContain('/repo/src/c.ts');
    expect((await cache.execute(tools.list, { directory: '/repo' })).cached).toBe(false);
  });

  it('a write on a directory invalidates reads of files under it', async () => {
    await cache.execute(tools.read, { path: '/repo/src/b.ts' });
    await cache.execute(tools.remove, { path: '/repo/src' });
    expect(await cache.execute(tools.read, { path: '/repo/src/b.ts' })).toEqual({
      output: undefined,
      cached: false,
    });
  });

  it('a write on one file leaves reads of unrelated files cached', async () => {
    await cache.execute(tools.read, { path: '/repo/README.md' });
    await cache.execute(tools.write, { file: '/repo/src/a.ts', content: 'a2' });
    expect((await cache.execute(tools.read, { path: '/repo/README.md' })).cached).toBe(true);
  });

  it('a read with no path argument is invalidated by any write', async () => {
    await cache.execute(tools.search, { query: 'a' });
    await cache.execute(tools.write, { file: '/repo/src/z.ts', content: 'a-z' });
    expect(await cache.execute(tools.search, { query: 'a' })).toMatchObject({ cached: false });
    expect((await cache.execute(tools.search, { query: 'a' })).output).toContain('/repo/src/z.ts');
  });

  it('a writing tool with no path argument invalidates every cached result of the tenant, and only of it', async () => {
    await cache.execute(tools.read, { path: '/repo/src/a.ts' }, { tenantId: 't1' });
    await cache.execute(tools.read, { path: '/repo/src/a.ts' }, { tenantId: 't2' });
    await cache.execute(tools.shell, { command: 'a2' }, { tenantId: 't1' });
    expect(await cache.execute(tools.read, { path: '/repo/src/a.ts' }, { tenantId: 't1' })).toEqual({
      output: 'a2',
      cached: false,
    });
    expect((await cache.execute(tools.read, { path: '/repo/src/a.ts' }, { tenantId: 't2' })).cached).toBe(
      true,
    );
  });

  describe('a writing tool that reports what it changed', () => {
    const reporting = (changed: string[] | undefined, fail = false, declared = true): Tool => ({
      definition: {
        name: 'codegen',
        description: 'changes files it reports',
        parameters: {},
        reportsChangedPaths: declared,
      },
      execute: (_args, context) => {
        for (const path of changed ?? []) tools.files.set(path.replace(/^(?!\/)/, '/repo/'), 'generated');
        if (changed !== undefined) context.reportChangedPaths?.(changed);
        if (fail) throw new Error('codegen failed');
        return 'ok';
      },
    });

    it('drops only the reads those paths affect, relative paths resolved against the root', async () => {
      await cache.execute(tools.read, { path: '/repo/src/a.ts' });
      await cache.execute(tools.read, { path: '/repo/README.md' });
      await cache.execute(tools.list, { directory: '/repo/src' });
      await cache.execute(tools.search, { query: 'generated' });
      await cache.execute(reporting(['src/a.ts']), {});
      expect(await cache.execute(tools.read, { path: '/repo/src/a.ts' })).toEqual({
        output: 'generated',
        cached: false,
      });
      expect((await cache.execute(tools.list, { directory: '/repo/src' })).cached).toBe(false);
      expect(await cache.execute(tools.search, { query: 'generated' })).toEqual({
        output: ['/repo/src/a.ts'],
        cached: false,
      });
      expect((await cache.execute(tools.read, { path: '/repo/README.md' })).cached).toBe(true);
    });

    it('keeps every cached read when it reports that nothing changed', async () => {
      await cache.execute(tools.read, { path: '/repo/src/a.ts' });
      await cache.execute(reporting([]), {});
      expect((await cache.execute(tools.read, { path: '/repo/src/a.ts' })).cached).toBe(true);
    });

    it('drops every cached read of the tenant when it fails after reporting, or reports a bad value', async () => {
      await cache.execute(tools.read, { path: '/repo/README.md' });
      await expect(cache.execute(reporting(['src/a.ts'], true), {})).rejects.toThrow('codegen failed');
      expect((await cache.execute(tools.read, { path: '/repo/README.md' })).cached).toBe(false);

      const bad: Tool = {
        definition: { name: 'bad', description: '', parameters: {}, reportsChangedPaths: true },
        execute: (_args, context) => {
          context.reportChangedPaths?.('src/a.ts' as unknown as string[]);
          return 'ok';
        },
      };
      await expect(cache.execute(bad, {})).rejects.toMatchObject({
        code: 'INVALID_CONFIG',
        message: expect.stringContaining('reportChangedPaths(paths) must be an array of path strings'),
      });
      expect((await cache.execute(tools.read, { path: '/repo/README.md' })).cached).toBe(false);
    });

    it('drops every cached read of the tenant when it does not declare reportsChangedPaths', async () => {
      await cache.execute(tools.read, { path: '/repo/README.md' });
      await cache.execute(reporting(['src/a.ts'], false, false), {});
      expect((await cache.execute(tools.read, { path: '/repo/README.md' })).cached).toBe(false);
    });

    it('drops every cached read of the tenant after a bad report from a tool with path arguments', async () => {
      await cache.execute(tools.read, { path: '/repo/README.md' });
      const badNamed: Tool = {
        definition: { name: 'bad_named', description: '', parameters: {} },
        execute: (_args, context) => {
          try {
            context.reportChangedPaths?.('/repo/README.md' as unknown as string[]);
          } catch {
            // A tool that swallows the error still leaves a report nobody can trust.
          }
          return 'ok';
        },
      };
      await cache.execute(badNamed, { path: '/repo/src/a.ts' });
      expect((await cache.execute(tools.read, { path: '/repo/README.md' })).cached).toBe(false);
    });

    it('drops at once what a tool reports after it returned', async () => {
      await cache.execute(tools.read, { path: '/repo/README.md' });
      await cache.execute(tools.read, { path: '/repo/src/b.ts' });
      let later: ((paths: readonly string[]) => void) | undefined;
      const background: Tool = {
        definition: { name: 'background', description: '', parameters: {}, reportsChangedPaths: true },
        execute: (_args, context) => {
          context.reportChangedPaths?.([]);
          later = context.reportChangedPaths;
          return 'started';
        },
      };
      await cache.execute(background, {});
      expect((await cache.execute(tools.read, { path: '/repo/README.md' })).cached).toBe(true);
      tools.files.set('/repo/README.md', 'r2');
      later?.(['README.md']);
      await new Promise((resolve) => setImmediate(resolve));
      expect(await cache.execute(tools.read, { path: '/repo/README.md' })).toEqual({
        output: 'r2',
        cached: false,
      });
      expect((await cache.execute(tools.read, { path: '/repo/src/b.ts' })).cached).toBe(true);
    });

    it('without the declaration, drops every read before it runs, so other instances on the cache miss too', async () => {
      const shared = new MemoryCache<unknown>({ name: 'shared' });
      const first = new ToolResultCache({ cache: shared, rootDir: '/repo' });
      const second = new ToolResultCache({ cache: shared, rootDir: '/repo' });
      await second.execute(tools.read, { path: '/repo/README.md' });
      let duringRun: boolean | undefined;
      const command: Tool = {
        definition: { name: 'make', description: '', parameters: {} },
        execute: async () => {
          duringRun = (await second.execute(tools.read, { path: '/repo/README.md' })).cached;
          return 'ok';
        },
      };
      await first.execute(command, {});
      expect(duringRun).toBe(false);
    });

    it('adds reported paths to the ones its arguments name', async () => {
      await cache.execute(tools.read, { path: '/repo/src/a.ts' });
      await cache.execute(tools.read, { path: '/repo/src/b.ts' });
      await cache.execute(tools.read, { path: '/repo/README.md' });
      const writeAndFormat: Tool = {
        definition: { name: 'write_and_format', description: '', parameters: {} },
        execute: (args, context) => {
          tools.files.set(String(args.file), 'x');
          tools.files.set('/repo/src/b.ts', 'formatted');
          context.reportChangedPaths?.(['/repo/src/b.ts']);
          return 'ok';
        },
      };
      await cache.execute(writeAndFormat, { file: '/repo/src/a.ts' });
      expect((await cache.execute(tools.read, { path: '/repo/src/a.ts' })).cached).toBe(false);
      expect((await cache.execute(tools.read, { path: '/repo/src/b.ts' })).output).toBe('formatted');
      expect((await cache.execute(tools.read, { path: '/repo/README.md' })).cached).toBe(true);
    });
  });

  it('keeps tenants apart', async () => {
    await cache.execute(tools.read, { path: '/repo/src/a.ts' }, { tenantId: 't1' });
    expect((await cache.execute(tools.read, { path: '/repo/src/a.ts' }, { tenantId: 't2' })).cached).toBe(
      false,
    );
  });

  it('reads every path of a `paths` list', () => {
    expect(cache.writeTags({ paths: ['a', '/b'] }, 'x')).toEqual(
      expect.arrayContaining(['tool-result:"x":u:/repo/a', 'tool-result:"x":u:/b', 'tool-result:"x":p:/']),
    );
  });

  it('refuses a relative rootDir, naming it', () => {
    expect(() => new ToolResultCache({ cache: new MemoryCache({ name: 'x' }), rootDir: 'repo' })).toThrow(
      'rootDir must be an absolute POSIX path, got "repo"',
    );
  });
});

describe('ToolResultCache invalidation rule', () => {
  // A small space of paths, so that reads, writes and reports often meet on the same ones.
  const segment = fc.constantFrom('a', 'b');
  const path = fc.array(segment, { minLength: 1, maxLength: 2 }).map((parts) => `/repo/${parts.join('/')}`);
  const operation = fc.oneof(
    fc.record({ kind: fc.constant('read' as const), path }),
    fc.record({ kind: fc.constant('list' as const), path }),
    fc.record({ kind: fc.constant('search' as const), query: fc.constantFrom('1', '2', '3') }),
    fc.record({ kind: fc.constant('write' as const), path, content: fc.constantFrom('1', '2', '3') }),
    fc.record({ kind: fc.constant('remove' as const), path }),
    // A path-less command that changes files and reports them, all, or reports nothing.
    fc.record({
      kind: fc.constant('shell' as const),
      paths: fc.array(path, { maxLength: 3 }),
      content: fc.constantFrom('1', '2', '3'),
      reports: fc.boolean(),
      declares: fc.boolean(),
    }),
  );

  it('never serves a stale read, over random sequences of reads and writes', async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(operation, { maxLength: 40 }), async (operations) => {
        const files = new Map<string, string>();
        const tool = (name: string, readOnly: boolean, execute: Tool['execute']): Tool => ({
          definition: { name, description: name, parameters: {}, readOnly },
          execute,
        });
        const read = tool('read_file', true, (args) => files.get(String(args.path)) ?? null);
        const list = tool('list_dir', true, (args) =>
          [...files.keys()].filter((file) => file.startsWith(`${args.directory}/`)).sort(),
        );
        const search = tool('search', true, (args) =>
          [...files]
            .filter(([, text]) => text.includes(String(args.query)))
            .map(([file]) => file)
            .sort(),
        );
        const write = tool(
          'write_file',
          false,
          (args) => void files.set(String(args.file), String(args.content)),
        );
        const remove = tool('remove', false, (args) => {
          for (const file of [...files.keys()]) {
            if (file === args.path || file.startsWith(`${args.path}/`)) files.delete(file);
          }
        });
        const shell = tool('shell', false, (args, context) => {
          // `targets`, not `paths`: the cache must not see them as path arguments.
          const changed = args.targets as string[];
          for (const file of changed) files.set(file, String(args.content));
          // Reported relative to the root, as a tool in the workspace would.
          if (args.reports) context.reportChangedPaths?.(changed.map((file) => file.slice('/repo/'.length)));
        });
        const cache = new ToolResultCache({ cache: new MemoryCache({ name: 'property' }), rootDir: '/repo' });
        for (const step of operations) {
          let reader: Tool | undefined;
          let args: Record<string, unknown> = {};
          if (step.kind === 'read') [reader, args] = [read, { path: step.path }];
          else if (step.kind === 'list') [reader, args] = [list, { directory: step.path }];
          else if (step.kind === 'search') [reader, args] = [search, { query: step.query }];
          else if (step.kind === 'write')
            await cache.execute(write, { file: step.path, content: step.content });
          else if (step.kind === 'shell')
            await cache.execute(
              { ...shell, definition: { ...shell.definition, reportsChangedPaths: step.declares } },
              { targets: step.paths, content: step.content, reports: step.reports },
            );
          else await cache.execute(remove, { path: step.path });
          if (reader === undefined) continue;
          const { output } = await cache.execute(reader, args);
          expect(output).toEqual(await reader.execute(args, {}));
        }
      }),
      { numRuns: 300 },
    );
  });
});

describe('ToolResultCache, reads and writes at the same time', () => {
  function gatedTools() {
    const files = new Map<string, string>([['/repo/a.ts', 'v1']]);
    let release: (() => void) | undefined;
    let reads = 0;
    const read: Tool = {
      definition: { name: 'read_file', description: '', parameters: {}, readOnly: true },
      execute: async (args) => {
        reads++;
        const value = files.get(`/repo/${String(args.path)}`);
        if (release === undefined) await new Promise<void>((resolve) => (release = resolve));
        return value;
      },
    };
    const write: Tool = {
      definition: { name: 'write_file', description: '', parameters: {} },
      execute: (args) => {
        files.set(`/repo/${String(args.path)}`, String(args.content));
        return 'ok';
      },
    };
    return { read, write, files, release: () => release?.(), reads: () => reads };
  }

  it('does not keep a read that a write overlapped, and a later read does not join it', async () => {
    const { read, write, release, reads } = gatedTools();
    const cache = new ToolResultCache({ cache: new MemoryCache<unknown>({ name: 't' }), rootDir: '/repo' });
    const early = cache.execute(read, { path: 'a.ts' });
    await new Promise((resolve) => setImmediate(resolve));
    await cache.execute(write, { path: 'a.ts', content: 'v2' });
    const late = await cache.execute(read, { path: 'a.ts' });
    expect(late).toEqual({ output: 'v2', cached: false });
    release();
    expect(await early).toEqual({ output: 'v1', cached: false });
    expect(await cache.execute(read, { path: 'a.ts' })).toEqual({ output: 'v2', cached: true });
    expect(reads()).toBe(2);
  });

  it('keeps callers that share a read independent of the first caller’s abort', async () => {
    const { read, release } = gatedTools();
    const cache = new ToolResultCache({ cache: new MemoryCache<unknown>({ name: 't' }), rootDir: '/repo' });
    const first = new AbortController();
    const leaving = cache.execute(read, { path: 'a.ts' }, { abortSignal: first.signal });
    const staying = cache.execute(read, { path: 'a.ts' });
    await new Promise((resolve) => setImmediate(resolve));
    first.abort();
    await expect(leaving).rejects.toMatchObject({ code: 'ABORTED' });
    release();
    await expect(staying).resolves.toEqual({ output: 'v1', cached: true });
  });

  it('gives the tool the caller’s context as is when the caller has no signal, and a shared signal otherwise', async () => {
    const contexts: Array<Record<string, unknown>> = [];
    const read: Tool = {
      definition: { name: 'read_file', description: '', parameters: {}, readOnly: true },
      execute: (_args, context) => {
        contexts.push(context as Record<string, unknown>);
        return 'v';
      },
    };
    const cache = new ToolResultCache({ cache: new MemoryCache<unknown>({ name: 't' }), rootDir: '/repo' });
    const plain = { tenantId: 't1' };
    await cache.execute(read, { path: 'a.ts' }, plain);
    const caller = new AbortController();
    await cache.execute(read, { path: 'b.ts' }, { tenantId: 't1', abortSignal: caller.signal });
    expect(contexts[0]).toBe(plain);
    expect(contexts[0]).not.toHaveProperty('abortSignal');
    expect(contexts[1]?.tenantId).toBe('t1');
    // Not the caller's own signal: the shared run outlives one caller's abort while others wait.
    expect(contexts[1]?.abortSignal).toBeInstanceOf(AbortSignal);
    expect(contexts[1]?.abortSignal).not.toBe(caller.signal);
  });

  it('tags path-less reads per tenant, the same way on every call', async () => {
    let runs = 0;
    const status: Tool = {
      definition: { name: 'git_status', description: '', parameters: {}, readOnly: true },
      execute: () => ++runs,
    };
    const write: Tool = {
      definition: { name: 'write_file', description: '', parameters: {} },
      execute: () => 'ok',
    };
    const cache = new ToolResultCache({ cache: new MemoryCache<unknown>({ name: 't' }), rootDir: '/repo' });
    for (let round = 0; round < 2; round++) {
      await cache.execute(status, { short: round }, { tenantId: 'a' });
      await cache.execute(status, { short: round }, { tenantId: 'b' });
      await cache.execute(write, { path: 'src/x.ts' }, { tenantId: 'a' });
      expect(await cache.execute(status, { short: round }, { tenantId: 'a' })).toMatchObject({
        cached: false,
      });
      expect(await cache.execute(status, { short: round }, { tenantId: 'b' })).toMatchObject({
        cached: true,
      });
    }
    expect(runs).toBe(6);
    expect(cache.readTags({}, 'a')).toContain('tool-result:"a":p:/repo');
  });

  it('keys results by root directory, so two workspaces never read each other’s files', async () => {
    const shared = new MemoryCache<unknown>({ name: 't' });
    const tool = (content: string): Tool => ({
      definition: { name: 'read_file', description: '', parameters: {}, readOnly: true },
      execute: () => content,
    });
    await new ToolResultCache({ cache: shared, rootDir: '/a' }).execute(tool('A contents'), { path: 'x.ts' });
    const fromB = await new ToolResultCache({ cache: shared, rootDir: '/b' }).execute(tool('B contents'), {
      path: 'x.ts',
    });
    expect(fromB).toEqual({ output: 'B contents', cached: false });
  });
});

describe('ToolResultCache size bound', () => {
  it('returns a result over maxEntryBytes without storing it, and counts it', async () => {
    const metrics = new RecordingMetrics();
    const toolResults = new ToolResultCache({
      cache: new MemoryCache({ name: 'tool-result' }),
      rootDir: '/repo',
      maxEntryBytes: 1_000,
      metrics,
    });
    let runs = 0;
    const big: Tool = {
      definition: { name: 'read_big', description: 'reads', parameters: {}, readOnly: true },
      execute: () => `${++runs}${'x'.repeat(1_000)}`,
    };
    expect((await toolResults.execute(big, { path: 'a' })).cached).toBe(false);
    expect((await toolResults.execute(big, { path: 'a' })).cached).toBe(false);
    expect(runs).toBe(2);
    expect(
      metrics.total('victor_cache_errors_total', {
        cache: 'tool-result',
        tier: 'tool-result',
        operation: 'oversize',
      }),
    ).toBe(2);
  });

  it('set removes the old result instead of storing one over maxEntryBytes', async () => {
    const toolResults = new ToolResultCache({
      cache: new MemoryCache({ name: 'tool-result' }),
      rootDir: '/repo',
      maxEntryBytes: 1_000,
    });
    await toolResults.set('read_file', { path: 'a' }, 'small');
    expect(await toolResults.get('read_file', { path: 'a' })).toBe('small');
    await toolResults.set('read_file', { path: 'a' }, 'x'.repeat(1_000));
    expect(await toolResults.get('read_file', { path: 'a' })).toBeUndefined();
  });
});
