import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { ToolDefinition } from '@victor-ai/core';
import { ToolRegistry, ToolSelector } from '@victor-ai/tool-selection';
import { percentile, round, sorted } from './stats.js';

/** Where the Seal-Tools development split is read from: `VICTOR_SEAL_TOOLS_DIR`, or `../shared/data/toolsel/seal-tools-dev` beside the repository. */
export const SEAL_TOOLS_DIR =
  process.env.VICTOR_SEAL_TOOLS_DIR ??
  fileURLToPath(new URL('../../../../shared/data/toolsel/seal-tools-dev', import.meta.url));

/** Selection on the real Seal-Tools pool, or why it was skipped. */
export type SealSelectionResult =
  | {
      tools: number;
      queries: number;
      p50Us: number;
      p99Us: number;
      buildMs: number;
      recallAt5: number;
    }
  | { skipped: string };

/**
 * Uncached top-10 lexical selection over the Seal-Tools pool (4,076 real tools; one name the registry
 * refuses is left out) with its labelled dev queries: latency, index build and recall@5. Skipped, with the
 * reason, when the data is not there (it is not part of this repository). Quick mode times every fourth
 * query (175) once; full mode all 700, three times.
 */
export function toolSelectionOnSeal(quick: boolean, dir = SEAL_TOOLS_DIR): SealSelectionResult {
  const toolsPath = join(dir, 'tools.json');
  const queriesPath = join(dir, 'queries.jsonl');
  if (!existsSync(toolsPath) || !existsSync(queriesPath)) {
    return { skipped: `no Seal-Tools data at ${dir} (tools.json, queries.jsonl)` };
  }
  const registry = new ToolRegistry();
  for (const tool of JSON.parse(readFileSync(toolsPath, 'utf8')) as ToolDefinition[]) {
    try {
      registry.add({ ...tool, parameters: tool.parameters ?? { type: 'object', properties: {} } });
    } catch {
      // A definition the registry refuses (one name in the pool has a space) is left out.
    }
  }
  const all = readFileSync(queriesPath, 'utf8')
    .split('\n')
    .filter((line) => line.trim() !== '')
    .map((line) => JSON.parse(line) as { query: string; expected: string[] });
  // Quick mode: every fourth query, so easy (first in the file) and difficult ones are both in.
  const queries = quick ? all.filter((_, index) => index % 4 === 0) : all;
  const selector = new ToolSelector({ registry, strategy: 'lexical', cacheSize: 0, minTools: 0, k: 10 });
  const buildStarted = performance.now();
  selector.selectSync(queries[0]!.query);
  const buildMs = performance.now() - buildStarted;
  // The first pass warms up and scores recall@5; the timed passes come after it.
  let recall = 0;
  for (const { query, expected } of queries) {
    const top = selector
      .selectSync(query)
      .tools.slice(0, 5)
      .map((tool) => tool.name);
    recall += expected.filter((name) => top.includes(name)).length / expected.length;
  }
  const samples: number[] = [];
  for (let round = 0; round < (quick ? 1 : 3); round++) {
    for (const { query } of queries) {
      const started = performance.now();
      selector.selectSync(query);
      samples.push((performance.now() - started) * 1000);
    }
  }
  const values = sorted(samples);
  return {
    tools: registry.size,
    queries: queries.length,
    p50Us: round(percentile(values, 50)),
    p99Us: round(percentile(values, 99)),
    buildMs: round(buildMs, 2),
    recallAt5: round(recall / queries.length, 3),
  };
}
