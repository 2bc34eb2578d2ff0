import { posix } from 'node:path';
import type { Cache, MetricsSink, Tool, ToolContext, ToolDefinition } from '@victor-ai/core';
import { invalidOption } from '@victor-ai/core';
import { getOrCompute } from './get-or-compute.js';
import { toolResultCacheKey } from './keys.js';
import { checkTtl } from './options.js';
import { EntrySizeLimit } from './size.js';

/** Options of a `ToolResultCache`. */
export interface ToolResultCacheOptions {
  /** Where results are kept (memory, Redis or tiered); it must support tags. */
  cache: Cache<unknown>;
  /** TTL of a cached result. Default 60,000. */
  ttlMs?: number;
  /** Relative paths in arguments are resolved against this directory. Default `process.cwd()`. */
  rootDir?: string;
  /** Argument names that hold a path or a list of paths. Default `path`, `paths`, `file`, `directory`. */
  pathArguments?: readonly string[];
  /**
   * Largest result stored, in bytes as `estimateSize` counts them; a larger result is
   * returned but not stored. Default 1 MiB. The total is bounded by `cache` (a `MemoryCache` holds 64 MiB
   * by default).
   */
  maxEntryBytes?: number;
  /** Names this cache in metrics. Default `tool-result`. */
  name?: string;
  /** Where results refused for their size are counted: `victor_cache_errors_total{cache,tier="tool-result",operation="oversize"}`. */
  metrics?: MetricsSink;
}

const DEFAULT_PATH_ARGUMENTS = Object.freeze(['path', 'paths', 'file', 'directory']);

/**
 * Caches the results of read-only tools and invalidates them when a writing tool runs.
 *
 * The rule: the paths of a call are the values of its path arguments (`path`, `paths`, `file`,
 * `directory`), resolved against `rootDir`. A write on path P removes every cached read, of the same
 * tenant, whose path is P, an ancestor of P (a listing or search of a directory above it) or a descendant
 * of P (a file under a directory that was written, moved or deleted). A read with no path argument counts
 * as a read of `rootDir`, so every write removes it. A writing tool with no path argument removes all of
 * the tenant's cached results, before and after it runs, unless its definition says `reportsChangedPaths`
 * and it reports what it changed through `context.reportChangedPaths`: then only the reads those paths
 * affect (by the same rule) are removed, after it ran. Reported paths of a tool with path arguments are
 * removed too. A bad report, or a report from a tool that then fails, removes all of the tenant's results.
 * Tools not marked `readOnly` are never cached.
 */
export class ToolResultCache {
  private readonly cache: Cache<unknown>;
  private readonly ttlMs: number;
  private readonly rootDir: string;
  private readonly pathArguments: readonly string[];
  /** Bumped when a write starts and ends, so reads can tell that one overlapped them. */
  private generation = 0;
  private activeWrites = 0;
  private readonly sizeLimit: EntrySizeLimit;
  /** The tags of a read with no path argument (a read of `rootDir`), by tenant scope: the same every call. */
  private readonly rootReadTags = new Map<string, readonly string[]>();

  constructor(options: ToolResultCacheOptions) {
    if (typeof options?.cache?.invalidateTags !== 'function') {
      throw invalidOption('cache', 'a Cache', options?.cache);
    }
    this.cache = options.cache;
    this.ttlMs = checkTtl('ttlMs', options.ttlMs ?? 60_000);
    const rootDir = options.rootDir ?? process.cwd();
    if (typeof rootDir !== 'string' || !rootDir.startsWith('/')) {
      throw invalidOption('rootDir', 'an absolute POSIX path', rootDir);
    }
    this.rootDir = posix.normalize(rootDir);
    const pathArguments = options.pathArguments ?? DEFAULT_PATH_ARGUMENTS;
    if (!Array.isArray(pathArguments) || pathArguments.some((name) => typeof name !== 'string')) {
      throw invalidOption('pathArguments', 'an array of argument names', pathArguments);
    }
    this.pathArguments = pathArguments;
    this.sizeLimit = new EntrySizeLimit(options, 'tool-result');
  }

  /**
   * Runs `tool` through the cache: a read-only tool's result comes from the cache when present (and is
   * stored otherwise); any other tool runs, and the cached reads its paths affect are removed before and
   * after it runs. Resolves to the output and whether it came from the cache.
   */
  async execute<Output>(
    tool: Tool<Record<string, unknown>, Output>,
    args: Record<string, unknown>,
    context: ToolContext = {},
  ): Promise<{ output: Output; cached: boolean }> {
    const { definition } = tool;
    if (definition.readOnly === true) {
      // A read that overlaps a write may see the file before or after it: run it, but keep nothing.
      if (this.activeWrites > 0) return { output: await tool.execute(args, context), cached: false };
      const generation = this.generation;
      const key = this.key(definition.name, args, context.tenantId);
      let computed = false;
      const output = (await getOrCompute(
        this.cache,
        key,
        // The shared run gets a signal that aborts only when every caller waiting for it has left. This
        // caller starts the run and waits for it: without a signal of its own it never leaves, so the run's
        // signal could never abort and the tool gets none (no AbortController made per miss).
        (computeContext) => {
          computed = true;
          return tool.execute(
            args,
            context.abortSignal === undefined
              ? context
              : Object.assign({}, context, { abortSignal: computeContext.abortSignal }),
          );
        },
        {
          ttlMs: this.ttlMs,
          tags: this.storedReadTags(args, context.tenantId),
          abortSignal: context.abortSignal,
          // Reads begun after a write never join one begun before it, and a read a write overlapped is
          // not stored.
          flightKey: `${key}#${generation}`,
          shouldStore: (value) =>
            this.generation === generation && this.activeWrites === 0 && this.sizeLimit.fits(value),
        },
      )) as Output;
      return { output, cached: !computed };
    }
    this.activeWrites++;
    this.generation++;
    const { tenantId } = context;
    const named = this.pathsOf(args).length > 0;
    // A tool that declares it reports its changes keeps the other cached reads; any other tool that
    // names no path may change anything, before it returns and while it runs.
    const trusted = definition.reportsChangedPaths === true;
    let reported: string[] | undefined;
    let invalidReport = false;
    let completed = false;
    let succeeded = false;
    const reportChangedPaths = (paths: readonly string[]): void => {
      if (!Array.isArray(paths) || paths.some((path) => typeof path !== 'string')) {
        invalidReport = true;
        throw invalidOption('reportChangedPaths(paths)', 'an array of path strings', paths);
      }
      const resolved = paths.map((path) => this.resolve(path));
      if (completed) {
        // Reported after the tool returned (work it left running): dropped at once.
        if (resolved.length > 0)
          void this.cache.invalidateTags(this.pathTags(resolved, tenantId)).catch(() => {});
        return;
      }
      reported ??= [];
      reported.push(...resolved);
    };
    try {
      if (named) await this.invalidateForWrite(args, tenantId);
      else if (!trusted) await this.cache.invalidateTags([`${scopeOf(tenantId)}*`]);
      const output = await tool.execute(args, { ...context, reportChangedPaths });
      succeeded = true;
      return { output, cached: false };
    } finally {
      completed = true;
      try {
        if (named) await this.invalidateForWrite(args, tenantId);
        if (
          invalidReport ||
          (reported !== undefined && !succeeded) ||
          (!named && (!trusted || reported === undefined))
        ) {
          // A bad report, a tool that failed after reporting (it may have changed more), or a tool that
          // names no path and did not (or may not) say what it changed: all of the tenant's results go.
          await this.cache.invalidateTags([`${scopeOf(tenantId)}*`]);
        } else if (reported !== undefined && reported.length > 0) {
          await this.cache.invalidateTags(this.pathTags(reported, tenantId));
        }
      } finally {
        this.generation++;
        this.activeWrites--;
      }
    }
  }

  /** Whether results of this tool may be cached (it is marked `readOnly`). */
  isCacheable(definition: ToolDefinition): boolean {
    return definition.readOnly === true;
  }

  /** The cache key of one call; it includes `rootDir`, since relative paths mean different files under another root. */
  key(name: string, args: Readonly<Record<string, unknown>>, tenantId: string | undefined): string {
    return toolResultCacheKey(name, { root: this.rootDir, args }, tenantId);
  }

  /** The cached output of a read-only call, or `undefined`. */
  get(name: string, args: Readonly<Record<string, unknown>>, tenantId?: string): Promise<unknown> {
    return this.cache.get(this.key(name, args, tenantId));
  }

  /** Stores the output of a read-only call, tagged by its paths; an output over `maxEntryBytes` is not stored. */
  async set(
    name: string,
    args: Readonly<Record<string, unknown>>,
    output: unknown,
    tenantId?: string,
  ): Promise<void> {
    if (!this.sizeLimit.fits(output)) {
      // The old result must not outlive the new one.
      await this.cache.delete(this.key(name, args, tenantId));
      return;
    }
    return this.cache.set(this.key(name, args, tenantId), output, {
      ttlMs: this.ttlMs,
      tags: this.readTags(args, tenantId),
    });
  }

  /** Removes the cached reads that a write with these arguments affects; resolves to how many. */
  invalidateForWrite(args: Readonly<Record<string, unknown>>, tenantId?: string): Promise<number> {
    return this.cache.invalidateTags(this.writeTags(args, tenantId));
  }

  /** The tags a read with these arguments is stored under. */
  readTags(args: Readonly<Record<string, unknown>>, tenantId: string | undefined): string[] {
    const scope = scopeOf(tenantId);
    const paths = this.pathsOf(args);
    if (paths.length === 0) paths.push(this.rootDir);
    const tags = new Set<string>([`${scope}*`]);
    for (const path of paths) {
      tags.add(`${scope}p:${path}`);
      for (const ancestor of ancestorsOf(path)) tags.add(`${scope}u:${ancestor}`);
    }
    return [...tags];
  }

  /** The tags a write with these arguments invalidates. */
  writeTags(args: Readonly<Record<string, unknown>>, tenantId: string | undefined): string[] {
    const paths = this.pathsOf(args);
    if (paths.length === 0) return [`${scopeOf(tenantId)}*`];
    return this.pathTags(paths, tenantId);
  }

  /** `readTags`, shared (and frozen) for reads with no path argument, which all have the same tags. */
  private storedReadTags(
    args: Readonly<Record<string, unknown>>,
    tenantId: string | undefined,
  ): readonly string[] {
    if (this.hasPathArgument(args)) return this.readTags(args, tenantId);
    const scope = scopeOf(tenantId);
    let tags = this.rootReadTags.get(scope);
    if (tags === undefined) {
      // Bounded: tenants are many in a multi-tenant server; recomputing is cheap, keeping all is not.
      if (this.rootReadTags.size >= 1_000) this.rootReadTags.clear();
      tags = Object.freeze(this.readTags(args, tenantId));
      this.rootReadTags.set(scope, tags);
    }
    return tags;
  }

  private hasPathArgument(args: Readonly<Record<string, unknown>>): boolean {
    for (const name of this.pathArguments) {
      const value = args[name];
      if (typeof value === 'string') return true;
      if (Array.isArray(value) && value.some((item) => typeof item === 'string')) return true;
    }
    return false;
  }

  /** The tags a change of these (resolved) paths invalidates: reads of them, above them and below them. */
  private pathTags(paths: readonly string[], tenantId: string | undefined): string[] {
    const scope = scopeOf(tenantId);
    const tags = new Set<string>();
    for (const path of paths) {
      tags.add(`${scope}u:${path}`);
      for (const ancestor of ancestorsOf(path)) tags.add(`${scope}p:${ancestor}`);
    }
    return [...tags];
  }

  private pathsOf(args: Readonly<Record<string, unknown>>): string[] {
    const paths: string[] = [];
    for (const name of this.pathArguments) {
      const value = args[name];
      if (typeof value === 'string') paths.push(this.resolve(value));
      else if (Array.isArray(value)) {
        for (const item of value) if (typeof item === 'string') paths.push(this.resolve(item));
      }
    }
    return paths;
  }

  private resolve(path: string): string {
    const resolved = posix.resolve(this.rootDir, path);
    return resolved.length > 1 && resolved.endsWith('/') ? resolved.slice(0, -1) : resolved;
  }
}

function scopeOf(tenantId: string | undefined): string {
  return `tool-result:${JSON.stringify(tenantId ?? null)}:`;
}

/** The path itself and every directory above it, up to `/`. */
function ancestorsOf(path: string): string[] {
  const out = [path];
  let current = path;
  for (;;) {
    const parent = posix.dirname(current);
    // `/` for absolute paths; never loop on a path that is not one.
    if (parent === current) break;
    current = parent;
    out.push(current);
  }
  return out;
}
