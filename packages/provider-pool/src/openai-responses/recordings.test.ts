// Replays every shared Responses recording (../shared/data/streams/openai-responses, from vercel/ai's
// fixtures) through the real provider over a loopback server and compares with MANIFEST.jsonl, whose
// `decoded` fields come from an independent reassembler. Skipped, with a message, when the data is absent.
import { existsSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { replayRecordings } from '../testing/replay.js';

const DIR = fileURLToPath(new URL('../../../../../shared/data/streams/openai-responses/', import.meta.url));
const MANIFEST = `${DIR}MANIFEST.jsonl`;
const present = existsSync(MANIFEST);
if (!present) console.warn(`skipping the Responses recordings: ${MANIFEST} is absent`);

interface ManifestEntry {
  file: string;
  kind: 'stream' | 'json';
  unparsable_lines?: number;
  decoded: {
    note?: string;
    text?: string;
    tool_calls?: Array<{ id: string; name: string; arguments: unknown }>;
    output_item_types?: string[];
    status?: string | null;
    usage?: {
      input_tokens: number;
      output_tokens: number;
      input_tokens_details?: { cached_tokens?: number };
      output_tokens_details?: { reasoning_tokens?: number };
    } | null;
    error?: { code?: string; message?: string } | null;
  };
}

const MODELLED = new Set(['message', 'function_call', 'reasoning']);

describe.skipIf(!present)('replaying the shared Responses recordings', () => {
  const entries: ManifestEntry[] = present
    ? readFileSync(MANIFEST, 'utf8')
        .split('\n')
        .filter((line) => line.trim().length > 0)
        .map((line) => JSON.parse(line) as ManifestEntry)
    : [];

  it('has the recordings the manifest lists', () => {
    expect(entries.length).toBeGreaterThanOrEqual(84);
  });

  it('decodes every recording to the manifest’s text, tool calls, usage and passed-through item types', async () => {
    const results = await replayRecordings(
      'openai-responses',
      entries.map((entry) => ({ file: entry.file, content: readFileSync(`${DIR}${entry.file}`, 'utf8') })),
    );
    const mismatches: string[] = [];
    for (const [i, entry] of entries.entries()) {
      const result = results[i]!;
      const expected = entry.decoded;
      const check = (what: string, actual: unknown, wanted: unknown) => {
        if (JSON.stringify(actual) !== JSON.stringify(wanted)) {
          mismatches.push(
            `${entry.file}: ${what} ${JSON.stringify(actual)?.slice(0, 200)} != ${JSON.stringify(wanted)?.slice(0, 200)}`,
          );
        }
      };
      if (expected.note !== undefined) {
        // Not a Response object (an error body): a typed error, never a crash.
        check('error code', result.error?.code, 'HTTP_STATUS');
        continue;
      }
      if ((entry.unparsable_lines ?? 0) > 0) {
        // A payload that is not JSON (the recording cut a line) ends the stream with a typed error.
        check('error code', result.error?.code, 'INVALID_RESPONSE');
        continue;
      }
      // Custom (free-form) tool calls are not function calls: Victor passes them through.
      const custom = (expected.tool_calls ?? []).filter((call) => call.arguments === undefined);
      if (custom.length > 0) {
        check('custom tool calls passed through', result.passedThrough?.includes('custom_tool_call'), true);
      }
      check('text', result.text, expected.text ?? '');
      check(
        'tool calls',
        result.toolCalls.map((call) => ({ id: call.id, name: call.name, arguments: call.arguments })),
        (expected.tool_calls ?? [])
          .filter((call) => call.arguments !== undefined)
          .map((call) => ({ id: call.id, name: call.name, arguments: call.arguments })),
      );
      const usage = expected.usage;
      check(
        'usage',
        result.usage,
        usage
          ? {
              inputTokens: usage.input_tokens,
              outputTokens: usage.output_tokens,
              ...(usage.input_tokens_details?.cached_tokens !== undefined && {
                cachedInputTokens: usage.input_tokens_details.cached_tokens,
              }),
              ...(usage.output_tokens_details?.reasoning_tokens !== undefined && {
                reasoningTokens: usage.output_tokens_details.reasoning_tokens,
              }),
            }
          : null,
      );
      if (expected.status === 'completed') {
        check('error', result.error, null);
        check(
          'passed-through item types',
          result.passedThrough,
          (expected.output_item_types ?? []).filter((type) => !MODELLED.has(type)),
        );
      } else {
        // Failed or cut short: a typed error, with what arrived before it kept.
        expect(result.error?.code, entry.file).toMatch(/^[A-Z_]+$/);
        if (expected.error?.message)
          expect(result.error?.message, entry.file).toContain(expected.error.message.slice(0, 40));
      }
    }
    expect(mismatches).toEqual([]);
  }, 60_000);
});
