import { readFile } from 'node:fs/promises';
import { type Recording, type RecordingApi, replayRecordings } from '@victor-ai/provider-pool/testing';

const USAGE = 'usage: npm run demo -- replay --api openai-chat|anthropic|openai-responses FILE...';

/** Where the replay command writes: the terminal in the CLI, a buffer in tests. */
export interface ReplayOutput {
  write(text: string): void;
}

/**
 * `replay --api openai-chat|anthropic|openai-responses FILE...`: serves each recorded response body (raw SSE, one JSON event
 * payload per line, or a whole JSON body) from the loopback server, decodes it with the real provider, and
 * prints one JSON object per file: `{file, text, toolCalls, finishReason, usage, error}`. Returns the exit
 * code: 0 when every file decoded, 1 when one did not (or could not be read), 2 for bad arguments.
 */
export async function replayCommand(argv: string[], output: ReplayOutput): Promise<number> {
  const args = argv[0] === 'replay' ? argv.slice(1) : argv;
  let api: string | undefined;
  const files: string[] = [];
  for (let i = 0; i < args.length; i++) {
    const arg = args[i]!;
    if (arg === '--api') api = args[++i];
    else if (arg.startsWith('--api=')) api = arg.slice('--api='.length);
    else if (arg === '--help' || arg === '-h') {
      output.write(`${USAGE}\n`);
      return 0;
    } else files.push(arg);
  }
  if (api !== 'openai-chat' && api !== 'anthropic' && api !== 'openai-responses') {
    output.write(
      `replay: --api must be openai-chat, anthropic or openai-responses, got ${JSON.stringify(api ?? null)}\n${USAGE}\n`,
    );
    return 2;
  }
  if (files.length === 0) {
    output.write(`replay: no FILE given\n${USAGE}\n`);
    return 2;
  }
  const recordings: Recording[] = [];
  const unreadable = new Map<string, string>();
  for (const file of files) {
    try {
      recordings.push({ file, content: await readFile(file, 'utf8') });
    } catch (error) {
      unreadable.set(file, error instanceof Error ? error.message : String(error));
    }
  }
  const results = new Map(
    (await replayRecordings(api as RecordingApi, recordings)).map((result) => [result.file, result]),
  );
  let failed = 0;
  for (const file of files) {
    const reason = unreadable.get(file);
    const result = results.get(file) ?? {
      file,
      text: '',
      toolCalls: [],
      finishReason: null,
      usage: null,
      error: { code: 'READ_FAILED', message: reason ?? 'not replayed' },
    };
    if (result.error !== null) failed++;
    output.write(
      `${JSON.stringify({
        file: result.file,
        text: result.text,
        toolCalls: result.toolCalls.map((call) => ({
          id: call.id,
          name: call.name,
          arguments: call.arguments,
        })),
        finishReason: result.finishReason,
        usage: result.usage,
        ...(result.reasoning !== undefined && { reasoning: result.reasoning }),
        ...(result.passedThrough !== undefined && { passedThrough: result.passedThrough }),
        error: result.error,
      })}\n`,
    );
  }
  return failed === 0 ? 0 : 1;
}
