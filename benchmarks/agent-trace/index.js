// The standard agent trace: a seeded generator of agent turns, and a runner that replays them through
// caches handed to it, checking every cached answer against the truth. README.md documents the trace;
// the shares and sizes below are the ones it names. No dependencies: callers inject the caches, so the
// cache package's own benchmark can use this without a cycle.

/** The directory the trace's repository lives in; tool paths are absolute paths under it. */
export const ROOT_DIR = '/repo';
/** The repository's directories: 4, with 10 files each. */
export const DIRECTORIES = Object.freeze(
  ['src/api', 'src/core', 'src/ui', 'test'].map((d) => `${ROOT_DIR}/${d}`),
);
/** The repository's 40 files, in Zipf rank order (the first ones are the hot ones). */
export const FILES = Object.freeze(
  DIRECTORIES.flatMap((dir) => Array.from({ length: 10 }, (_, i) => `${dir}/file${i}.ts`)),
);
/** The 20 distinct user queries tools are selected for. */
export const QUERIES = Object.freeze(Array.from({ length: 20 }, (_, i) => `query ${i}`));
/** The 30 distinct deterministic prompts (temperature 0). */
export const PROMPTS = Object.freeze(
  Array.from({ length: 30 }, (_, i) => `Summarise the design of module ${i}.`),
);
/** The tenants; each has its own copy of the repository and its own cached results. */
export const TENANTS = Object.freeze(['acme', 'globex', 'initech']);
/** The terms `search` looks for. */
export const SEARCH_TERMS = Object.freeze(['TODO', 'export', 'cache', 'v1', 'v2']);
/** The tools of the trace, in the order the selection answer ranks them from. */
export const TOOL_NAMES = Object.freeze(['read_file', 'list_dir', 'search', 'write_file', 'shell']);
/** The share of tool calls of each kind (they sum to 1). */
export const CALL_SHARES = Object.freeze({
  read_file: 0.55,
  list_dir: 0.15,
  search: 0.15,
  write_file: 0.13,
  shell: 0.02,
});

/** mulberry32: a small seeded PRNG returning numbers in [0, 1), so the same seed gives the same trace. */
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

/** An index in [0, n) drawn with probability proportional to 1 / (index + 1). */
export function zipf(next, n) {
  let total = 0;
  for (let i = 1; i <= n; i++) total += 1 / i;
  let target = next() * total;
  for (let i = 1; i <= n; i++) {
    target -= 1 / i;
    if (target <= 0) return i - 1;
  }
  return n - 1;
}

const THRESHOLDS = (() => {
  let sum = 0;
  return TOOL_NAMES.map((name) => {
    sum += CALL_SHARES[name];
    return [name, sum];
  });
})();

/**
 * Generates the trace: `turns` turns, each `{ tenant, query, prompt, calls: [{ name, args }] }`.
 * Deterministic: the same `seed` and `turns` give the same trace on every machine.
 */
export function generateTrace({ seed = 42, turns = 5_000 } = {}) {
  if (!Number.isInteger(seed)) throw new TypeError(`generateTrace: seed must be an integer, got ${seed}`);
  if (!Number.isInteger(turns) || turns < 0) {
    throw new TypeError(`generateTrace: turns must be a non-negative integer, got ${turns}`);
  }
  const next = random(seed);
  const trace = [];
  let version = 0;
  for (let turn = 0; turn < turns; turn++) {
    const calls = [];
    const count = 1 + Math.floor(next() * 3);
    for (let c = 0; c < count; c++) {
      const roll = next();
      const name = (THRESHOLDS.find(([, upTo]) => roll < upTo) ?? THRESHOLDS[THRESHOLDS.length - 1])[0];
      if (name === 'read_file') calls.push({ name, args: { path: FILES[zipf(next, FILES.length)] } });
      else if (name === 'list_dir')
        calls.push({ name, args: { directory: DIRECTORIES[zipf(next, DIRECTORIES.length)] } });
      else if (name === 'search')
        calls.push({ name, args: { query: SEARCH_TERMS[zipf(next, SEARCH_TERMS.length)] } });
      else if (name === 'write_file') {
        version++;
        calls.push({
          name,
          args: {
            file: FILES[zipf(next, FILES.length)],
            content: `export const v${version % 3} = ${version}; // TODO`,
          },
        });
      } else {
        // A shell command names no path: the file it rewrites is known to the tool, not to a cache.
        version++;
        calls.push({
          name,
          args: { command: `codegen --module ${zipf(next, FILES.length)} --step ${version}` },
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

/** How many calls of each tool a trace makes, and how many turns and calls in all. */
export function summarizeTrace(trace) {
  const calls = Object.fromEntries(TOOL_NAMES.map((name) => [name, 0]));
  let total = 0;
  for (const turn of trace) {
    for (const call of turn.calls) {
      calls[call.name]++;
      total++;
    }
  }
  return { turns: trace.length, calls: total, byTool: calls };
}

const CODEGEN = /^codegen --module (\d+) --step (\d+)$/;

/** The initial content of a file of the repository. */
function initialContent(path) {
  return `export const original = '${path}';`;
}

/**
 * The tools over one tenant's `files` (a Map from path to content). `onRun` is called each time a
 * tool's `execute` runs, so the runner can tell that a cache really ran a write.
 */
function createTools(files, onRun = () => {}, { shellReportsChanges = false } = {}) {
  const read = {
    read_file: (args) => files.get(args.path) ?? null,
    list_dir: (args) => [...files.keys()].filter((path) => path.startsWith(`${args.directory}/`)).sort(),
    search: (args) =>
      [...files]
        .filter(([, text]) => text.includes(args.query))
        .map(([path]) => path)
        .sort(),
  };
  const tool = (name, readOnly, run, extra = {}) => ({
    definition: { name, description: `${name} (agent trace)`, parameters: {}, readOnly, ...extra },
    execute(args, context) {
      onRun(name);
      return run(args, context ?? {});
    },
  });
  return {
    tools: {
      read_file: tool('read_file', true, read.read_file),
      list_dir: tool('list_dir', true, read.list_dir),
      search: tool('search', true, read.search),
      write_file: tool('write_file', false, (args) => {
        files.set(args.file, args.content);
        return 'ok';
      }),
      shell: tool(
        'shell',
        false,
        (args, context) => {
          const match = CODEGEN.exec(args.command);
          if (!match) {
            if (shellReportsChanges) context.reportChangedPaths?.([]);
            return 'command not found';
          }
          const path = FILES[Number(match[1])];
          files.set(path, `export const generated = ${match[2]}; // cache`);
          // Like a shell tool that compares the workspace before and after the command (the demo's does).
          if (shellReportsChanges) context.reportChangedPaths?.([path]);
          return 'ok';
        },
        shellReportsChanges ? { reportsChangedPaths: true } : {},
      ),
    },
    /** The true answer of a read-only call, computed without counting as a run. */
    truth: (name, args) => read[name](args),
  };
}

/** The tools of the trace over a fresh repository, for callers that want to run calls by hand. */
export function createTraceTools({ shellReportsChanges = false } = {}) {
  const files = new Map(FILES.map((path) => [path, initialContent(path)]));
  return { files, tools: createTools(files, undefined, { shellReportsChanges }).tools };
}

function defaultResponseKey(request, tenantId) {
  return `response:${tenantId}:${JSON.stringify(request)}`;
}

/** The selection's answer for a query: three tools, ranked from the query's number. */
function selectionFor(query) {
  const offset = QUERIES.indexOf(query);
  return [0, 1, 2].map((i) => TOOL_NAMES[(offset + i) % TOOL_NAMES.length]);
}

/** The model's deterministic answer to a prompt; it names the tenant, so a key without one shows. */
function answerFor(prompt, tenant) {
  return { text: `answer to ${prompt} (${tenant})` };
}

/**
 * Replays `trace` through caches. `caches(turnIndex)` returns `{ selection, response, toolResults }`
 * for that turn (several instances may take turns, as several processes would). `responseKey(request,
 * tenantId)` makes the response cache's key; `betweenTurns` is awaited after each turn. Resolves to the
 * counts, the hit rate, the oracle hit rate and the stale reads.
 */
export async function runTrace(
  trace,
  caches,
  { responseKey = defaultResponseKey, betweenTurns, shellReportsChanges = false } = {},
) {
  if (typeof caches !== 'function') throw new TypeError('runTrace: caches must be a function of the turn');
  const repositories = new Map();
  let runs = 0;
  for (const tenant of TENANTS) {
    const files = new Map(FILES.map((path) => [path, initialContent(path)]));
    repositories.set(
      tenant,
      createTools(files, () => runs++, { shellReportsChanges }),
    );
  }
  const kind = () => ({ lookups: 0, hits: 0, stale: 0, oracleHits: 0 });
  const counts = {
    selection: kind(),
    response: kind(),
    toolResult: kind(),
    staleReads: 0,
    writes: 0,
    pathlessWrites: 0,
    oracleHits: 0,
  };
  // The oracle: per lookup, the answer it saw last time (each lookup sets it to the true answer). It
  // hits when the true answer has not changed since, which no correct cache can beat (see README.md).
  const oracle = new Map();
  const look = (counter, oracleKey, truth, output, cached) => {
    const text = JSON.stringify(truth);
    counter.lookups++;
    if (oracle.get(oracleKey) === text) {
      counter.oracleHits++;
      counts.oracleHits++;
    } else oracle.set(oracleKey, text);
    if (cached) {
      counter.hits++;
      if (JSON.stringify(output) !== text) {
        counter.stale++;
        counts.staleReads++;
      }
    }
  };
  const toolSet = TOOL_NAMES.join(',');
  for (let index = 0; index < trace.length; index++) {
    const turn = trace[index];
    const { selection, response, toolResults } = caches(index);
    const repository = repositories.get(turn.tenant);
    if (repository === undefined) throw new TypeError(`runTrace: unknown tenant ${turn.tenant}`);

    let computed = false;
    const selected = await selection.getOrCompute(`selection:${turn.query}:${toolSet}`, () => {
      computed = true;
      return selectionFor(turn.query);
    });
    look(counts.selection, `selection:${turn.query}`, selectionFor(turn.query), selected, !computed);

    computed = false;
    const request = { model: 'loopback', temperature: 0, messages: [{ role: 'user', content: turn.prompt }] };
    const answer = await response.getOrCompute(responseKey(request, turn.tenant), () => {
      computed = true;
      return answerFor(turn.prompt, turn.tenant);
    });
    look(
      counts.response,
      `response:${turn.tenant}:${turn.prompt}`,
      answerFor(turn.prompt, turn.tenant),
      answer,
      !computed,
    );

    for (const call of turn.calls) {
      const tool = repository.tools[call.name];
      if (tool === undefined) throw new TypeError(`runTrace: unknown tool ${call.name}`);
      const before = runs;
      const { output, cached } = await toolResults.execute(tool, call.args, { tenantId: turn.tenant });
      if (!tool.definition.readOnly) {
        if (runs === before) throw new Error(`runTrace: the tool-result cache did not run ${call.name}`);
        counts.writes++;
        if (call.name === 'shell') counts.pathlessWrites++;
        continue;
      }
      const truth = repository.truth(call.name, call.args);
      look(
        counts.toolResult,
        `tool:${turn.tenant}:${call.name}:${JSON.stringify(call.args)}`,
        truth,
        output,
        cached,
      );
    }
    if (betweenTurns) await betweenTurns(index);
  }
  const lookups = counts.selection.lookups + counts.response.lookups + counts.toolResult.lookups;
  const hits = counts.selection.hits + counts.response.hits + counts.toolResult.hits;
  const rate = (n, d) => (d === 0 ? 0 : n / d);
  return {
    ...counts,
    lookups,
    hits,
    hitRate: rate(hits, lookups),
    oracleHitRate: rate(counts.oracleHits, lookups),
    toolResultHitRate: rate(counts.toolResult.hits, counts.toolResult.lookups),
  };
}
