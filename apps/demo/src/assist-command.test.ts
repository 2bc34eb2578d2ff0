import { cpSync, existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createLoopbackServer } from '@victor-ai/provider-pool/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type AssistOutcome, assistCommand, type CommandIO } from './assist-command.js';
import { scriptedAssistantReply } from './scripted-assistant.js';
import { SESSION_TURNS } from './session.js';
import { SAMPLE_WORKSPACE } from './workspace.js';

function buffers(env: NodeJS.ProcessEnv = {}): CommandIO & { out: () => string; err: () => string } {
  let out = '';
  let err = '';
  return {
    stdout: {
      write: (text: string) => {
        out += text;
      },
      isTTY: false,
    },
    stderr: {
      write: (text: string) => {
        err += text;
      },
    },
    env,
    offlineTiming: { ttftMs: 0, chunkGapMs: 0 },
    out: () => out,
    err: () => err,
  };
}

let scratch: string;
beforeAll(() => {
  scratch = mkdtempSync(join(tmpdir(), 'victor-assist-test-'));
});
afterAll(() => {
  rmSync(scratch, { recursive: true, force: true });
});

describe('assistCommand', () => {
  describe('offline scripted session, end to end', () => {
    let io: ReturnType<typeof buffers>;
    let code: number;
    let transcript: string;

    beforeAll(async () => {
      io = buffers();
      code = await assistCommand(['--prometheus', join(scratch, 'metrics.prom')], io);
      transcript = io.out();
    });

    it('says it is offline and exits 0', () => {
      expect(code).toBe(0);
      expect(transcript).toMatch(/^offline: no model configured, so the model is Victor's loopback model/);
      expect(transcript).toContain('a fresh copy of the sample project');
    });

    it('asks each request of the session and streams an answer to each', () => {
      for (const turn of SESSION_TURNS) expect(transcript).toContain(`you> ${turn}\n`);
      expect(transcript.match(/^assistant> /gm)?.length).toBeGreaterThanOrEqual(SESSION_TURNS.length);
      expect(transcript).toContain('**tiny-tasks** 0.3.1: A small task list for the command line.');
    });

    it('shows the tools selection offered', () => {
      expect(transcript).toMatch(/tools offered: [a-z_, ]*list_files[a-z_, ]* \(selected 5 of 6\)/);
      // Sticky selection (the agent's default) keeps the tools offered before: run_shell joins them later.
      expect(transcript).toMatch(/tools offered: (.*run_shell.* \(selected \d of 6\)|all 6)/);
    });

    it('marks the calls that ran in parallel, and the write that the reads waited for', () => {
      expect(transcript).toContain('step 2 · 2 tool calls, in parallel');
      expect(transcript).toMatch(/∥ read_file \{"path":"README.md"\}/);
      expect(transcript).toMatch(/→ write_file \{"path":"NOTES.md"/);
      expect(transcript).toMatch(/∥ file_stats \{"paths":\["NOTES.md"\]\}/);
    });

    it('serves repeated reads from the tool-result cache', () => {
      expect(transcript).toMatch(/read_file \{"path":"package.json"\} {2}✓ [\d.]+ ms \(cached\)/);
      expect(transcript).toMatch(/list_files \{"path":"\."\} {2}✓ [\d.]+ ms\n/);
    });

    it('runs the project tests through the shell tool', () => {
      expect(transcript).toContain('The tests pass: 3 passed, 0 failed.');
    });

    it('shows the safety middleware blocking a destructive command, and the model explaining it', () => {
      expect(transcript).toContain(
        '✗ blocked by safety (DANGEROUS_COMMAND): refused: recursive delete of the home directory ("~/*")',
      );
      expect(transcript).toContain('I did not delete anything. The safety check refused `rm -rf ~/*`');
    });

    it('ends with the table of the session figures', () => {
      const table = transcript.slice(transcript.indexOf('session figures'));
      expect(table).toContain('session figures · 6 turns · model loopback-1 (offline loopback)');
      expect(table).toMatch(/│ chat latency \(per model call\)\s+│ p50 [\d.]+ ms · p95 [\d.]+ ms/);
      expect(table).toMatch(/│ time to first token\s+│ p50 [\d.]+ ms/);
      expect(table).toMatch(/│ total response time \(per turn\)\s+│ p50 [\d.]+ ms/);
      expect(table).toMatch(/│ runtime overhead\s+│ [\d.]+ ms \([\d.]+% of total\)/);
      expect(table).toMatch(/│ cache hit rate \(tool results\)\s+│ 33\.3%\s+│ 4 hits \/ 12 lookups/);
      expect(table).toMatch(/│ peak memory\s+│ RSS [\d.]+ MiB/);
      expect(table).toMatch(/│ tool calls\s+│ 15\s+│ 8 in parallel · 1 blocked/);
      expect(transcript).toContain('audit log: 15 tool calls recorded, 1 blocked');
    });

    it('writes the Prometheus exposition', () => {
      const text = readFileSync(join(scratch, 'metrics.prom'), 'utf8');
      expect(text).toContain('victor_chat_duration_seconds_count{model="loopback-1",provider="default"} 6');
      expect(text).toContain('victor_cache_hits_total{cache="tool-results",tier="memory"} 4');
      expect(text).toContain(
        'victor_middleware_blocks_total{middleware="safety",reason="DANGEROUS_COMMAND"} 1',
      );
      expect(text).toMatch(/victor_model_call_duration_seconds_count(\{[^}]*\})? \d+/);
    });
  });

  it('prints the same figures as JSON with --json, the transcript on stderr, and removes the copy', async () => {
    const io = buffers();
    expect(await assistCommand(['--json'], io)).toBe(0);
    const outcome = JSON.parse(io.out()) as AssistOutcome;
    expect(io.err()).toContain('you> Run the tests');
    const { figures } = outcome;
    expect(figures).toMatchObject({
      model: 'loopback-1',
      offline: true,
      turns: 6,
      toolCalls: 15,
      parallelToolCalls: 8,
      blockedToolCalls: 1,
      cacheHitRate: { hits: 4, misses: 8, lookups: 12 },
    });
    expect(figures.cacheHitRate.rate).toBeCloseTo(1 / 3, 5);
    expect(figures.chatLatencyMs.count).toBe(figures.modelCalls);
    expect(figures.timeToFirstTokenMs.count).toBe(6);
    expect(figures.totalResponseMs.p50).toBeGreaterThan(0);
    expect(figures.totalResponseMs.sum).toBeGreaterThanOrEqual(figures.runtimeOverhead.totalMs);
    expect(figures.peakMemory.rssBytes).toBeGreaterThan(figures.peakMemory.heapUsedBytes);
    expect(outcome.turns.map((turn) => turn.user)).toEqual(SESSION_TURNS);
    expect(outcome.turns[0]!.toolCalls.map((call) => [call.name, call.parallel])).toEqual([
      ['list_files', false],
      ['read_file', true],
      ['read_file', true],
    ]);
    const blocked = outcome.turns[5]!.toolCalls[0]!;
    expect(blocked).toMatchObject({ name: 'run_shell', ok: false, blockedBy: 'safety' });
    expect(existsSync(outcome.workspace)).toBe(false);
  });

  it('works on a given --workspace and does not replace a file the user has', async () => {
    const root = join(scratch, 'project');
    cpSync(SAMPLE_WORKSPACE, root, { recursive: true });
    writeFileSync(join(root, 'NOTES.md'), 'my own notes\n');
    const io = buffers();
    expect(await assistCommand(['--workspace', root, '--json'], io)).toBe(0);
    const outcome = JSON.parse(io.out()) as AssistOutcome;
    const notes = outcome.turns[3]!;
    expect(notes.toolCalls.find((call) => call.name === 'write_file')).toMatchObject({ ok: false });
    expect(notes.text).toContain('I did not write NOTES.md');
    expect(readFileSync(join(root, 'NOTES.md'), 'utf8')).toBe('my own notes\n');
    expect(existsSync(root)).toBe(true);
  });

  it('runs on a configured OpenAI-compatible endpoint (VICTOR_BASE_URL, VICTOR_MODEL)', async () => {
    const server = await createLoopbackServer({ reply: scriptedAssistantReply, model: 'remote-model' });
    try {
      const io = buffers({
        VICTOR_BASE_URL: server.baseURL,
        VICTOR_MODEL: 'remote-model',
        VICTOR_API_KEY: 'k',
      });
      expect(await assistCommand(['--ask', SESSION_TURNS[0]!], io)).toBe(0);
      expect(io.out()).toContain(`model: remote-model at ${server.baseURL} (OpenAI-compatible)`);
      expect(io.out()).not.toContain('offline');
      expect(io.out()).toContain('session figures · 1 turns · model remote-model\n');
      expect(server.requests.map((request) => request.body.model)).toEqual([
        'remote-model',
        'remote-model',
        'remote-model',
      ]);
      expect(server.requests[0]!.headers.authorization).toBe('Bearer k');
    } finally {
      await server.close();
    }
  });

  it('runs on Anthropic with ANTHROPIC_API_KEY and VICTOR_MODEL', async () => {
    const server = await createLoopbackServer({ reply: () => ({ text: 'Hello from the Messages API.' }) });
    try {
      const io = buffers({
        ANTHROPIC_API_KEY: 'ak',
        ANTHROPIC_BASE_URL: server.baseURL,
        VICTOR_MODEL: 'claude-test',
      });
      expect(await assistCommand(['--ask', 'hello'], io)).toBe(0);
      expect(io.out()).toContain('model: claude-test at');
      expect(io.out()).toContain('(Anthropic)');
      expect(io.out()).toContain('assistant> Hello from the Messages API.');
      expect(server.requests[0]!.api).toBe('anthropic');
      expect(server.requests[0]!.headers['x-api-key']).toBe('ak');
    } finally {
      await server.close();
    }
  });

  it('rejects unknown options and a missing workspace with a usage error', async () => {
    await expect(assistCommand(['--nope'], buffers())).rejects.toThrow('unknown option --nope');
    await expect(assistCommand(['--workspace', join(scratch, 'missing')], buffers())).rejects.toThrow(
      'is not a folder',
    );
  });
});
