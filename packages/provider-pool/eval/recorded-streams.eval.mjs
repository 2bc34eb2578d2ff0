// Eval: decodes the shared recorded provider responses through the real providers (served by the loopback
// server, as the demo's replay command does) and compares each result with what MANIFEST.jsonl says.
// Usage: node eval/recorded-streams.eval.mjs [STREAMS_DIR] [--verbose]   (default ../../../shared/data/streams)
// The recordings are never copied into the repository; without the directory the eval says so and exits 2.
import { existsSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { isDeepStrictEqual } from 'node:util';
import { contentText, mapFinishReason, mapStopReason } from '../dist/index.js';
import { replayRecordings } from '../dist/testing.js';

const args = process.argv.slice(2);
const verbose = args.includes('--verbose');
const root = resolve(
  args.find((arg) => !arg.startsWith('--')) ??
    new URL('../../../../shared/data/streams', import.meta.url).pathname,
);
if (!existsSync(root)) {
  console.error(`recorded streams not found at ${root}; pass the directory as the first argument`);
  process.exit(2);
}

const SETS = [
  { dir: 'openai-chat', api: 'openai-chat' },
  { dir: 'openai-compatible-chat', api: 'openai-chat' },
  { dir: 'anthropic', api: 'anthropic' },
];

function expectedOf(api, decoded) {
  if (decoded.note) return { error: true, note: decoded.note };
  const usage = decoded.usage ?? null;
  let inputTokens;
  let outputTokens;
  if (usage && api === 'anthropic') {
    inputTokens =
      (usage.input_tokens ?? 0) +
      (usage.cache_read_input_tokens ?? 0) +
      (usage.cache_creation_input_tokens ?? 0);
    outputTokens = usage.output_tokens ?? 0;
  } else if (usage) {
    inputTokens = usage.prompt_tokens ?? 0;
    outputTokens = usage.completion_tokens ?? 0;
  }
  const calls = decoded.tool_calls ?? [];
  return {
    text: decoded.text,
    clientToolCalls: calls
      .filter((call) => api !== 'anthropic' || call.block_type === 'tool_use')
      .map((call) => ({
        id: call.id,
        name: call.name,
        arguments: api === 'anthropic' ? call.input : call.arguments,
      })),
    serverToolCalls: calls.filter((call) => api === 'anthropic' && call.block_type !== 'tool_use').length,
    finishReason:
      api === 'anthropic' ? mapStopReason(decoded.stop_reason) : mapFinishReason(decoded.finish_reason),
    usage: usage ? { inputTokens, outputTokens } : null,
  };
}

/** Why a recording does not match, when the cause is known. */
function explain(api, content, expected, actual) {
  const starts =
    api === 'anthropic'
      ? content.split('\n').filter((line) => line.includes('"type":"message_start"')).length
      : 0;
  if (starts > 1) {
    return `holds ${starts} responses recorded back to back (a multi-step run); one HTTP response carries one message, so the provider decodes the first up to its message_stop and drains the rest, while the manifest's reassembler merged all of them`;
  }
  if (typeof expected.text !== 'string' && contentText(expected.text) === actual.text) {
    return `the manifest keeps the message content as an array of parts; its text parts (${JSON.stringify(actual.text)}) are exactly what the provider decoded`;
  }
  return 'unexplained';
}

function compare(expected, actual) {
  const problems = [];
  if (expected.error) {
    if (actual.error === null) problems.push(`expected an error (${expected.note}), got none`);
    return problems;
  }
  if (actual.error) problems.push(`error ${actual.error.code}: ${actual.error.message.slice(0, 160)}`);
  if (actual.text !== expected.text) {
    problems.push(
      `text differs (${typeof expected.text === 'string' ? `${expected.text.length} chars expected` : `expected ${typeof expected.text}`}, got ${actual.text.length})`,
    );
  }
  const calls = actual.toolCalls.map((call) => ({ id: call.id, name: call.name, arguments: call.arguments }));
  if (!isDeepStrictEqual(calls, expected.clientToolCalls)) {
    problems.push(
      `tool calls differ: expected ${JSON.stringify(expected.clientToolCalls).slice(0, 200)}, got ${JSON.stringify(calls).slice(0, 200)}`,
    );
  }
  if (actual.finishReason !== expected.finishReason) {
    problems.push(`finish reason ${actual.finishReason} != ${expected.finishReason}`);
  }
  if (expected.usage && !isDeepStrictEqual(actual.usage, expected.usage)) {
    problems.push(`usage ${JSON.stringify(actual.usage)} != ${JSON.stringify(expected.usage)}`);
  }
  return problems;
}

let total = 0;
let matched = 0;
let withServerTools = 0;
const failures = [];
for (const set of SETS) {
  const manifestPath = join(root, set.dir, 'MANIFEST.jsonl');
  if (!existsSync(manifestPath)) continue;
  const entries = readFileSync(manifestPath, 'utf8')
    .split('\n')
    .filter((line) => line.trim())
    .map((line) => JSON.parse(line));
  const recordings = entries.map((entry) => ({
    file: entry.file,
    content: readFileSync(join(root, set.dir, entry.file), 'utf8'),
  }));
  const results = await replayRecordings(set.api, recordings);
  let setMatched = 0;
  entries.forEach((entry, index) => {
    total++;
    const expected = expectedOf(set.api, entry.decoded);
    if (expected.serverToolCalls > 0) withServerTools++;
    const problems = compare(expected, results[index]);
    if (problems.length === 0) {
      matched++;
      setMatched++;
    } else {
      failures.push({
        file: `${set.dir}/${entry.file}`,
        problems,
        why: explain(set.api, recordings[index].content, expected, results[index]),
      });
    }
    if (verbose) console.log(JSON.stringify(results[index]).slice(0, 300));
  });
  console.log(`${set.dir} (${set.api}): ${setMatched}/${entries.length} match the manifest`);
}
console.log(
  `total: ${matched}/${total} match the manifest (${withServerTools} Anthropic recordings also hold server-side tool blocks, which are not client tool calls and are left out on both sides)`,
);
for (const failure of failures) {
  console.log(`- ${failure.file}: ${failure.problems.join('; ')}\n  why: ${failure.why}`);
}
const unexplained = failures.filter((failure) => failure.why === 'unexplained').length;
console.log(`${failures.length - unexplained} of ${failures.length} mismatches explained`);
