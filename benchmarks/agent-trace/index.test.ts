import { describe, expect, it } from 'vitest';
import {
  CALL_SHARES,
  createTraceTools,
  FILES,
  generateTrace,
  random,
  runTrace,
  summarizeTrace,
  type TraceCaches,
  type TraceComputeCache,
  type TraceTool,
  type TraceToolResultCache,
  zipf,
} from './index.js';

/** A single-flight-free getOrCompute over a Map: enough for a sequential replay. */
function mapCache(): TraceComputeCache {
  const entries = new Map<string, unknown>();
  return {
    async getOrCompute(key, compute) {
      if (entries.has(key)) return entries.get(key);
      const value = await compute();
      entries.set(key, value);
      return value;
    },
  };
}

type Entry = { tenant: string; args: Record<string, unknown>; output: unknown };

/**
 * A tool-result double: caches read-only calls per tenant, tool and arguments; `invalidate` says which of
 * the tenant's entries a write removes.
 */
function toolResultDouble(
  invalidate: (entry: Entry, args: Record<string, unknown>) => boolean,
): TraceToolResultCache {
  const entries = new Map<string, Entry>();
  return {
    async execute(tool, args, { tenantId }) {
      if (tool.definition.readOnly) {
        const key = JSON.stringify([tenantId, tool.definition.name, args]);
        const entry = entries.get(key);
        if (entry) return { output: entry.output, cached: true };
        const output = await tool.execute(args);
        entries.set(key, { tenant: tenantId, args, output });
        return { output, cached: false };
      }
      const output = await tool.execute(args);
      for (const [key, entry] of entries) {
        if (entry.tenant === tenantId && invalidate(entry, args)) entries.delete(key);
      }
      return { output, cached: false };
    },
  };
}

/** Correct: a write removes every cached result of its tenant. */
const correctDouble = () => toolResultDouble(() => true);
/** Broken: nothing is ever removed. */
const neverInvalidates = () => toolResultDouble(() => false);
/**
 * Broken for path-less writes only: a write naming a file removes the reads of that file, the listing of
 * its directory and every search; a write naming no path removes nothing.
 */
const pathOnly = () =>
  toolResultDouble((entry, args) => {
    const file = args.file;
    if (typeof file !== 'string') return false;
    if (entry.args.path !== undefined) return entry.args.path === file;
    if (entry.args.directory !== undefined) return file.startsWith(`${entry.args.directory}/`);
    return true;
  });

/** Correct and as good as can be: serves the cached output only when a fresh run gives the same. */
function revalidating(): TraceToolResultCache {
  const entries = new Map<string, string>();
  return {
    async execute(tool: TraceTool, args, { tenantId }) {
      const output = await tool.execute(args);
      if (!tool.definition.readOnly) return { output, cached: false };
      const key = JSON.stringify([tenantId, tool.definition.name, args]);
      const text = JSON.stringify(output);
      const cached = entries.get(key) === text;
      entries.set(key, text);
      return { output, cached };
    },
  };
}

function cachesWith(toolResults: TraceToolResultCache): () => TraceCaches {
  const caches = { selection: mapCache(), response: mapCache(), toolResults };
  return () => caches;
}

describe('random', () => {
  it('gives the same sequence for the same seed and numbers in [0, 1)', () => {
    const a = random(5);
    const b = random(5);
    const values = Array.from({ length: 1_000 }, () => a());
    expect(Array.from({ length: 1_000 }, () => b())).toEqual(values);
    for (const value of values) {
      expect(value).toBeGreaterThanOrEqual(0);
      expect(value).toBeLessThan(1);
    }
  });
});

describe('zipf', () => {
  it('draws low indexes more often than high ones, always in range', () => {
    const next = random(1);
    const counts = new Array(10).fill(0);
    for (let i = 0; i < 20_000; i++) counts[zipf(next, 10)]++;
    expect(counts.reduce((a, b) => a + b, 0)).toBe(20_000);
    // Probability of index 0 is 1 / H(10), about 0.341; of index 9 about 0.034.
    expect(counts[0] / 20_000).toBeCloseTo(0.341, 1);
    expect(counts[0]).toBeGreaterThan(5 * counts[9]);
  });
});

describe('generateTrace', () => {
  it('gives the same trace for the same seed', () => {
    expect(generateTrace({ seed: 7, turns: 300 })).toEqual(generateTrace({ seed: 7, turns: 300 }));
  });

  it('gives different traces for different seeds', () => {
    const a = generateTrace({ seed: 7, turns: 300 });
    const b = generateTrace({ seed: 8, turns: 300 });
    expect(a).toHaveLength(300);
    expect(b).toHaveLength(300);
    expect(JSON.stringify(a)).not.toBe(JSON.stringify(b));
  });

  it('makes 1 to 3 calls a turn and calls of each kind near the documented shares', () => {
    const trace = generateTrace({ seed: 42, turns: 5_000 });
    const summary = summarizeTrace(trace);
    for (const turn of trace) {
      expect(turn.calls.length).toBeGreaterThanOrEqual(1);
      expect(turn.calls.length).toBeLessThanOrEqual(3);
    }
    expect(summary.calls / summary.turns).toBeCloseTo(2, 1);
    // The documented shares (README.md), written out so that a change to the code shows here.
    const documented = { read_file: 0.55, list_dir: 0.15, search: 0.15, write_file: 0.13, shell: 0.02 };
    expect(CALL_SHARES).toEqual(documented);
    for (const [name, share] of Object.entries(documented)) {
      const observed = summary.byTool[name as keyof typeof documented] / summary.calls;
      expect(Math.abs(observed - share), name).toBeLessThan(Math.max(0.015, share * 0.25));
    }
    expect(summary.byTool.shell).toBeGreaterThan(100);
  });

  it('writes to hot files more than cold ones, and shell commands name no path', () => {
    const trace = generateTrace({ seed: 42, turns: 5_000 });
    const reads = new Map<string, number>();
    for (const turn of trace) {
      for (const call of turn.calls) {
        if (call.name === 'read_file') reads.set(call.args.path!, (reads.get(call.args.path!) ?? 0) + 1);
        if (call.name === 'shell') {
          expect(Object.keys(call.args)).toEqual(['command']);
          expect(call.args.command).toMatch(/^codegen --module \d+ --step \d+$/);
        }
      }
    }
    expect(reads.get(FILES[0]!)!).toBeGreaterThan(10 * (reads.get(FILES[FILES.length - 1]!) ?? 0));
  });

  it('rejects a seed or turn count that is not an integer', () => {
    expect(() => generateTrace({ seed: 1.5 })).toThrow(/seed/);
    expect(() => generateTrace({ turns: -1 })).toThrow(/turns/);
  });
});

describe('createTraceTools', () => {
  it('has a shell command rewrite the file its module number names', () => {
    const { files, tools } = createTraceTools();
    tools.shell.execute({ command: 'codegen --module 3 --step 9' });
    expect(files.get(FILES[3]!)).toBe('export const generated = 9; // cache');
    expect(tools.read_file.execute({ path: FILES[3]! })).toBe('export const generated = 9; // cache');
    expect(tools.search.execute({ query: 'generated' })).toEqual([FILES[3]]);
  });
});

describe('createTraceTools with shellReportsChanges', () => {
  it('has the shell report the file it rewrote, and nothing for an unknown command', () => {
    const { tools } = createTraceTools({ shellReportsChanges: true });
    const reports: string[][] = [];
    const context = { reportChangedPaths: (paths: readonly string[]) => reports.push([...paths]) };
    tools.shell.execute({ command: 'codegen --module 3 --step 9' }, context);
    tools.shell.execute({ command: 'make coffee' }, context);
    expect(reports).toEqual([[FILES[3]], []]);
    const silent = createTraceTools().tools;
    silent.shell.execute({ command: 'codegen --module 3 --step 9' }, context);
    expect(reports).toHaveLength(2);
  });
});

describe('runTrace', () => {
  const trace = generateTrace({ seed: 42, turns: 2_000 });

  it('counts no stale read with a correct cache, and the oracle rate is at least its hit rate', async () => {
    const result = await runTrace(trace, cachesWith(correctDouble()));
    expect(result.staleReads).toBe(0);
    expect(result.hits).toBeGreaterThan(0);
    expect(result.writes).toBeGreaterThan(0);
    expect(result.pathlessWrites).toBeGreaterThan(0);
    expect(result.oracleHitRate).toBeGreaterThanOrEqual(result.hitRate);
    expect(result.oracleHitRate).toBeLessThan(1);
    expect(result.lookups).toBe(
      result.selection.lookups + result.response.lookups + result.toolResult.lookups,
    );
    expect(result.hitRate).toBeCloseTo(result.hits / result.lookups, 12);
  });

  it('counts stale reads when the tool-result cache never invalidates', async () => {
    const result = await runTrace(trace, cachesWith(neverInvalidates()));
    expect(result.toolResult.stale).toBeGreaterThan(0);
    expect(result.staleReads).toBe(result.toolResult.stale);
    // Serving stale answers looks like a better hit rate than the oracle's: hit rate alone proves nothing.
    expect(result.hitRate).toBeGreaterThan(result.oracleHitRate);
  });

  it('counts stale reads when path-less writes do not invalidate', async () => {
    const result = await runTrace(trace, cachesWith(pathOnly()));
    expect(result.staleReads).toBeGreaterThan(0);
  });

  it('has the oracle match a cache that serves a result exactly when it is still true', async () => {
    const result = await runTrace(trace, cachesWith(revalidating()));
    expect(result.staleReads).toBe(0);
    expect(result.toolResult.hits).toBe(result.toolResult.oracleHits);
    expect(result.hitRate).toBeCloseTo(result.oracleHitRate, 12);
  });

  it('counts a response cached for another tenant as stale', async () => {
    const result = await runTrace(trace, cachesWith(correctDouble()), {
      responseKey: (request) => JSON.stringify(request),
    });
    expect(result.response.stale).toBeGreaterThan(0);
    expect(result.toolResult.stale).toBe(0);
  });

  it('gives the same counts for the same trace', async () => {
    const one = await runTrace(trace, cachesWith(correctDouble()));
    expect(await runTrace(trace, cachesWith(correctDouble()))).toEqual(one);
  });

  it('counts stale reads when instances taking turns do not share invalidations', async () => {
    const sets = [cachesWith(correctDouble())(), cachesWith(correctDouble())()];
    const result = await runTrace(trace, (turn) => sets[turn % 2]!);
    expect(result.toolResult.stale).toBeGreaterThan(0);
  });

  it('calls betweenTurns after every turn', async () => {
    const seen: number[] = [];
    await runTrace(trace.slice(0, 5), cachesWith(correctDouble()), {
      betweenTurns: (index) => {
        seen.push(index);
      },
    });
    expect(seen).toEqual([0, 1, 2, 3, 4]);
  });

  it('fails when the tool-result cache does not run a write', async () => {
    const skipsWrites: TraceToolResultCache = {
      async execute(tool, args) {
        if (!tool.definition.readOnly) return { output: 'ok', cached: false };
        return { output: await tool.execute(args), cached: false };
      },
    };
    await expect(runTrace(trace, cachesWith(skipsWrites))).rejects.toThrow(/did not run/);
  });
});
