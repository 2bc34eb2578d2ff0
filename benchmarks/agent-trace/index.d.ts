// Types of the standard agent trace (index.js); README.md documents the trace.

/** A tool of the trace, shaped like `@victor-ai/core`'s `Tool`. */
export interface TraceTool {
  definition: {
    name: string;
    description: string;
    parameters: { [key: string]: unknown };
    readOnly: boolean;
    /** Set on the shell when it reports what it changed (`shellReportsChanges`). */
    reportsChangedPaths?: boolean;
  };
  execute(
    args: Record<string, unknown>,
    context?: { reportChangedPaths?: (paths: readonly string[]) => void },
  ): unknown;
}

/** One tool call of a turn. */
export interface TraceCall {
  name: TraceToolName;
  args: Record<string, string>;
}

/** One agent turn: select tools for `query`, ask the model `prompt`, then make `calls` in order. */
export interface TraceTurn {
  tenant: string;
  query: string;
  prompt: string;
  calls: TraceCall[];
}

/** The names of the trace's tools. */
export type TraceToolName = 'read_file' | 'list_dir' | 'search' | 'write_file' | 'shell';

/** The deterministic chat request a turn sends (temperature 0). */
export interface TraceRequest {
  model: string;
  temperature: number;
  messages: Array<{ role: 'user'; content: string }>;
}

/** A cache with single-flight compute, such as `MemoryCache` or `TieredCache`. */
export interface TraceComputeCache {
  getOrCompute(key: string, compute: () => unknown): Promise<unknown>;
}

/** A tool-result cache, such as `ToolResultCache`: it runs every tool and says whether the output was cached. */
export interface TraceToolResultCache {
  execute(
    tool: TraceTool,
    args: Record<string, unknown>,
    context: { tenantId: string },
  ): Promise<{ output: unknown; cached: boolean }>;
}

/** The caches one turn uses. */
export interface TraceCaches {
  selection: TraceComputeCache;
  response: TraceComputeCache;
  toolResults: TraceToolResultCache;
}

/** Options of `runTrace`. */
export interface RunTraceOptions {
  /** Makes the response cache's key; default: the tenant and the request as JSON. */
  responseKey?: (request: TraceRequest, tenantId: string) => string;
  /** Awaited after every turn (for example, to let an invalidation message arrive). */
  betweenTurns?: (turnIndex: number) => unknown;
  /**
   * The shell tool reports the file it changed through `context.reportChangedPaths` (as a shell tool that
   * compares the workspace before and after a command can). Default false: it reports nothing.
   */
  shellReportsChanges?: boolean;
}

/** Lookups, hits, stale reads and oracle hits of one kind of lookup. */
export interface TraceKindCounts {
  lookups: number;
  hits: number;
  stale: number;
  oracleHits: number;
}

/** What `runTrace` resolves to. */
export interface TraceResult {
  selection: TraceKindCounts;
  response: TraceKindCounts;
  toolResult: TraceKindCounts;
  /** Cached answers that differed from the true answer at that moment (all kinds). */
  staleReads: number;
  /** Writing tool calls (`write_file` and `shell`). */
  writes: number;
  /** `shell` calls: writes that name no path. */
  pathlessWrites: number;
  oracleHits: number;
  /** Cacheable lookups: selections + responses + read-only tool calls. */
  lookups: number;
  hits: number;
  /** hits / lookups. */
  hitRate: number;
  /** What a perfect cache reaches on the same trace: oracleHits / lookups. */
  oracleHitRate: number;
  /** Hits / lookups of the read-only tool calls alone. */
  toolResultHitRate: number;
}

/** The directory the trace's repository lives in (`/repo`). */
export const ROOT_DIR: string;
/** The repository's 4 directories. */
export const DIRECTORIES: readonly string[];
/** The repository's 40 files, in Zipf rank order. */
export const FILES: readonly string[];
/** The 20 distinct queries. */
export const QUERIES: readonly string[];
/** The 30 distinct deterministic prompts. */
export const PROMPTS: readonly string[];
/** The 3 tenants. */
export const TENANTS: readonly string[];
/** The terms `search` looks for. */
export const SEARCH_TERMS: readonly string[];
/** The trace's tools. */
export const TOOL_NAMES: readonly TraceToolName[];
/** The share of tool calls of each kind. */
export const CALL_SHARES: Readonly<Record<TraceToolName, number>>;

/** mulberry32: a seeded PRNG returning numbers in [0, 1). */
export function random(seed: number): () => number;
/** An index in [0, n) with probability proportional to 1 / (index + 1). */
export function zipf(next: () => number, n: number): number;
/** Generates the trace (same seed and turns, same trace). Defaults: seed 42, 5,000 turns. */
export function generateTrace(options?: { seed?: number; turns?: number }): TraceTurn[];
/** Counts the turns and the calls of each tool. */
export function summarizeTrace(trace: readonly TraceTurn[]): {
  turns: number;
  calls: number;
  byTool: Record<TraceToolName, number>;
};
/** The tools over a fresh repository (`files`: path to content); see `RunTraceOptions.shellReportsChanges`. */
export function createTraceTools(options?: { shellReportsChanges?: boolean }): {
  files: Map<string, string>;
  tools: Record<TraceToolName, TraceTool>;
};
/** Replays the trace through the caches `caches(turnIndex)` returns, checking every cached answer. */
export function runTrace(
  trace: readonly TraceTurn[],
  caches: (turnIndex: number) => TraceCaches,
  options?: RunTraceOptions,
): Promise<TraceResult>;
