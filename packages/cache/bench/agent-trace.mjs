// A seeded generator of a "standard agent trace", and a runner that replays it through the caches.
//
// The trace: `turns` agent turns over a small repository (4 directories x 10 files) and 3 tenants. Each turn
//  1. selects tools for the user's query (20 distinct queries, Zipf-distributed): cached by query + tool set;
//  2. asks the model a deterministic prompt (30 distinct prompts, Zipf): cached by the response-cache key,
//     which includes the tenant;
//  3. makes 1 to 3 tool calls: read_file (55%), list_dir (15%), search (15%), write_file (15%); paths and
//     queries are Zipf-distributed too, so a few files are hot, as in real sessions.
// Writes change the repository, and must invalidate every cached read they affect: after each read served
// from the cache, the runner computes the true answer from the repository and counts a "stale read" when
// they differ. Hit rate = cached answers / cacheable lookups (selections + responses + read-only calls).
// The "oracle" hit rate is what a perfect cache would reach on the same trace: it misses only the first
// time it sees a lookup and when a write really changed the answer. The gap between the two is the price
// of the invalidation rule (a write invalidates listings and searches it may not have changed).
import { responseCacheKey, ToolResultCache } from '../dist/index.js';

/** mulberry32: a small seeded PRNG, so the same seed gives the same trace everywhere. */
export function random(seed) {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** An index in [0, n) drawn with probability proportional to 1 / (rank + 1). */
function zipf(next, n) {
  let total = 0;
  for (let i = 1; i <= n; i++) total += 1 / i;
  let target = next() * total;
  for (let i = 1; i <= n; i++) {
    target -= 1 / i;
    if (target <= 0) return i - 1;
  }
  return n - 1;
}

export const DIRECTORIES = ['/repo/src/api', '/repo/src/core', '/repo/src/ui', '/repo/test'];
export const FILES = DIRECTORIES.flatMap((dir) => Array.from({ length: 10 }, (_, i) => `${dir}/file${i}.ts`));
const QUERIES = Array.from({ length: 20 }, (_, i) => `query ${i}`);
const PROMPTS = Array.from({ length: 30 }, (_, i) => `Summarise the design of module ${i}.`);
const TENANTS = ['acme', 'globex', 'initech'];
const SEARCH_TERMS = ['TODO', 'export', 'cache', 'v1', 'v2'];

/** Generates the trace: an array of turns, each `{ tenant, query, prompt, calls: [{ name, args }] }`. */
export function generateTrace({ seed = 42, turns = 5_000 } = {}) {
  const next = random(seed);
  const trace = [];
  let version = 0;
  for (let turn = 0; turn < turns; turn++) {
    const calls = [];
    const count = 1 + Math.floor(next() * 3);
    for (let c = 0; c < count; c++) {
      const roll = next();
      if (roll < 0.55) calls.push({ name: 'read_file', args: { path: FILES[zipf(next, FILES.length)] } });
      else if (roll < 0.7)
        calls.push({ name: 'list_dir', args: { directory: DIRECTORIES[zipf(next, DIRECTORIES.length)] } });
      else if (roll < 0.85)
        calls.push({ name: 'search', args: { query: SEARCH_TERMS[zipf(next, SEARCH_TERMS.length)] } });
      else {
        version++;
        calls.push({
          name: 'write_file',
          args: {
            file: FILES[zipf(next, FILES.length)],
            content: `export const v${version % 3} = ${version}; // TODO`,
          },
        });
      }
    }
    trace.push({
      tenant: TENANTS[zipf(next, TENANTS.length)],
      query: QUERIES[zipf(next, QUERIES.length)],
      prompt: PROMPTS[zipf(next, PROMPTS.length)],
      calls,
    });
  }
  return trace;
}

/** The repository the tools act on; every tenant has its own copy. */
function createTools(files) {
  const tool = (name, readOnly, execute) => ({
    definition: { name, description: name, parameters: {}, readOnly },
    execute,
  });
  return {
    read_file: tool('read_file', true, (args) => files.get(args.path) ?? null),
    list_dir: tool('list_dir', true, (args) =>
      [...files.keys()].filter((path) => path.startsWith(`${args.directory}/`)).sort(),
    ),
    search: tool('search', true, (args) =>
      [...files]
        .filter(([, text]) => text.includes(args.query))
        .map(([path]) => path)
        .sort(),
    ),
    write_file: tool('write_file', false, (args) => {
      files.set(args.file, args.content);
      return 'ok';
    }),
  };
}

/**
 * Replays `trace` through caches. `caches(turnIndex)` returns `{ selection, response, toolResults }` to use
 * for that turn (several instances may take turns, as several processes would). Resolves to the counts.
 */
export async function runTrace(trace, caches, { betweenTurns } = {}) {
  const repositories = new Map();
  const repositoryOf = (tenant) => {
    let files = repositories.get(tenant);
    if (!files) {
      files = new Map(FILES.map((path) => [path, `export const original = '${path}';`]));
      repositories.set(tenant, { files, tools: createTools(files) });
      files = repositories.get(tenant).files;
    }
    return repositories.get(tenant);
  };
  for (const tenant of TENANTS) repositoryOf(tenant);
  const counts = {
    selection: { lookups: 0, hits: 0 },
    response: { lookups: 0, hits: 0 },
    toolResult: { lookups: 0, hits: 0 },
    staleReads: 0,
    writes: 0,
    oracleHits: 0,
  };
  // What a perfect cache would hold: the answer computed at its last miss, per tenant, tool and arguments.
  const oracle = new Map();
  const oracleLookup = (key, truth) => {
    const text = JSON.stringify(truth);
    if (oracle.get(key) === text) counts.oracleHits++;
    else oracle.set(key, text);
  };
  const toolSet = Object.keys(createTools(new Map()));
  for (let index = 0; index < trace.length; index++) {
    const turn = trace[index];
    const { selection, response, toolResults } = caches(index);
    const { tools } = repositoryOf(turn.tenant);

    let computed = false;
    counts.selection.lookups++;
    await selection.getOrCompute(`selection:${turn.query}:${toolSet.join(',')}`, () => {
      computed = true;
      return toolSet.slice(0, 3);
    });
    if (!computed) counts.selection.hits++;
    oracleLookup(`selection:${turn.query}`, 'same');

    computed = false;
    counts.response.lookups++;
    const request = { model: 'loopback', temperature: 0, messages: [{ role: 'user', content: turn.prompt }] };
    await response.getOrCompute(responseCacheKey(request, { tenantId: turn.tenant }), () => {
      computed = true;
      return { text: `answer to ${turn.prompt}` };
    });
    if (!computed) counts.response.hits++;
    oracleLookup(`response:${turn.tenant}:${turn.prompt}`, 'same');

    for (const call of turn.calls) {
      const tool = tools[call.name];
      const { output, cached } = await toolResults.execute(tool, call.args, { tenantId: turn.tenant });
      if (!tool.definition.readOnly) {
        counts.writes++;
        continue;
      }
      counts.toolResult.lookups++;
      const truth = tool.execute(call.args);
      oracleLookup(`${turn.tenant}:${call.name}:${JSON.stringify(call.args)}`, truth);
      if (cached) {
        counts.toolResult.hits++;
        if (JSON.stringify(output) !== JSON.stringify(truth)) counts.staleReads++;
      }
    }
    if (betweenTurns) await betweenTurns();
  }
  const lookups = counts.selection.lookups + counts.response.lookups + counts.toolResult.lookups;
  const hits = counts.selection.hits + counts.response.hits + counts.toolResult.hits;
  return { ...counts, lookups, hits, hitRate: hits / lookups, oracleHitRate: counts.oracleHits / lookups };
}

/** A ToolResultCache over `cache` for the trace's repository. */
export function traceToolResultCache(cache) {
  return new ToolResultCache({ cache, rootDir: '/repo', ttlMs: 600_000 });
}
