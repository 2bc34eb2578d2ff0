// What the evaluation scripts share (eval-toolsel, tune-toolsel, probe-name-phrase, and embedder-use's
// fusion-explore): where the built package is, `--set NAME=TOOLS.json,QUERIES.jsonl` specs, and reading a
// labelled set.
import { readFileSync } from 'node:fs';
import { pathToFileURL } from 'node:url';

/** The built package's folder: TOOLSEL_DIST (a development build without type declarations) or `../dist/`. */
export const distFolder = process.env.TOOLSEL_DIST
  ? pathToFileURL(`${process.env.TOOLSEL_DIST.replace(/\/?$/, '/')}`)
  : new URL('../dist/', import.meta.url);

/** `NAME=TOOLS.json,QUERIES.jsonl` as `{ name, tools, queries }` (the two paths); throws on another form. */
export function parseSetSpec(spec) {
  const match = /^([^=]+)=([^,]+),(.+)$/.exec(spec);
  if (!match)
    throw new Error(`--set must look like NAME=TOOLS.json,QUERIES.jsonl, got ${JSON.stringify(spec)}`);
  return { name: match[1], tools: match[2], queries: match[3] };
}

/** The non-blank lines of a file, each parsed as JSON. */
export function readJsonLines(path) {
  return readFileSync(path, 'utf8')
    .split('\n')
    .filter((line) => line.trim() !== '')
    .map((line) => JSON.parse(line));
}

/**
 * A registry (of the given `ToolRegistry` class) holding the tool definitions of a TOOLS.json array. Sets
 * from the wild hold definitions the registry refuses (names outside [a-zA-Z0-9_.-]{1,64}, non-object
 * parameters): those are skipped, each passed to `onSkip`, and their queries count as misses.
 */
export function toolRegistryOf(ToolRegistry, tools, onSkip = () => {}) {
  const registry = new ToolRegistry();
  for (const tool of tools) {
    try {
      registry.add({ ...tool, parameters: tool.parameters ?? { type: 'object', properties: {} } });
    } catch (error) {
      onSkip(error);
    }
  }
  return registry;
}
