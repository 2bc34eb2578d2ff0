import { existsSync, statSync } from 'node:fs';
import { writeFile } from 'node:fs/promises';
import { resolve } from 'node:path';
import { startRuntimeMetrics } from '@victor-ai/metrics';
import { parseFlags, UsageError } from './args.js';
import { createAssistant } from './assistant.js';
import { readModelConfig } from './config.js';
import type { Output } from './conversation.js';
import { createDemoMonitor, MemoryPeaks } from './instrumentation.js';
import type { DemoMcp } from './mcp-servers.js';
import { openModel } from './model.js';
import { formatFiguresTable, type SessionFigures, sessionFigures } from './report.js';
import { scriptedAssistantReply } from './scripted-assistant.js';
import { runSession, type TurnRecord } from './session.js';
import { copySampleWorkspace } from './workspace.js';

/** Where a command reads its configuration and writes: the process in the CLI, buffers in tests. */
export interface CommandIO {
  stdout: Output & { isTTY?: boolean };
  stderr: Output;
  env: NodeJS.ProcessEnv;
  /** Offline model timing (tests use 0 to run fast). */
  offlineTiming?: { ttftMs: number; chunkGapMs: number };
  /** Connects the MCP servers of `--mcp` / `--mcp-url` once the workspace is known (see mcp-servers.ts). */
  mcp?: (workspaceRoot: string) => Promise<DemoMcp>;
}

/** What `assist` produced, for tests and `--json`. */
export interface AssistOutcome {
  figures: SessionFigures;
  turns: TurnRecord[];
  workspace: string;
}

/** `--help` text of the assistant session. */
export const ASSIST_USAGE = `npm run demo [-- [assist] [--workspace DIR] [--ask TEXT]... [--json] [--prometheus FILE] [--no-progress]]

Runs a coding-assistant session over a workspace: list, read, search, stats, write and shell tools
behind safety, validation and audit middleware, tool selection, a tool-result cache and metrics, and
ends with a table of the session's figures.

  --workspace DIR    the project to work on (default: a fresh copy of apps/demo/sample-workspace,
                     removed at the end). The scripted session writes NOTES.md into it (never
                     replacing an existing file) and runs its package.json test script
  --ask TEXT         ask this instead of the scripted session's requests (repeat for several turns;
                     offline, the scripted model knows only the session's requests)
  --json             print the figures (and the turns) as JSON on stdout; the transcript goes to stderr
  --prometheus FILE  write the session's metrics in the Prometheus text format to FILE
  --no-progress      no spinner, even on a terminal`;

/** Runs the assistant session; resolves to the process exit code. */
export async function assistCommand(argv: readonly string[], io: CommandIO): Promise<number> {
  const flags = parseFlags(argv, {
    values: ['workspace', 'prometheus'],
    lists: ['ask'],
    booleans: ['json', 'no-progress', 'help'],
  });
  if (flags.booleans.has('help')) {
    io.stdout.write(`${ASSIST_USAGE}\n`);
    return 0;
  }
  const json = flags.booleans.has('json');
  const transcript: Output = json ? io.stderr : io.stdout;
  const given = flags.values.get('workspace');
  if (given !== undefined && (!existsSync(given) || !statSync(given).isDirectory())) {
    throw new UsageError(`--workspace ${JSON.stringify(given)} is not a folder`);
  }
  const sample = given === undefined ? copySampleWorkspace() : undefined;
  const root = given === undefined ? sample!.root : resolve(given);

  const monitor = createDemoMonitor();
  const runtime = startRuntimeMetrics(monitor);
  const memory = new MemoryPeaks(monitor).start();
  const config = readModelConfig(io.env);
  const model = await openModel(config, {
    reply: scriptedAssistantReply,
    metrics: monitor,
    ...(io.offlineTiming ?? {}),
  });
  const mcp = await io.mcp?.(root);
  const assistant = createAssistant({
    workspaceRoot: root,
    provider: model.provider,
    model: model.model,
    monitor,
    ...(mcp ? { extraTools: mcp.tools, extraMiddleware: mcp.middleware } : {}),
  });
  try {
    transcript.write(`${model.description}\n`);
    if (config.kind === 'offline' && config.hint) transcript.write(`         (${config.hint})\n`);
    transcript.write(
      `workspace: ${assistant.workspace.root}${sample ? ' (a fresh copy of the sample project; removed at the end)' : ''}\n` +
        `tools: ${assistant.toolNames.join(', ')}; middleware: safety (workspace ${assistant.workspace.root}), validation, audit; tool-result cache: memory\n`,
    );
    if (mcp) transcript.write(`${mcp.summary}\n`);
    const asked = flags.lists.get('ask');
    const turns = await runSession({
      assistant,
      ...(asked ? { turns: asked } : {}),
      output: transcript,
      progress: !json && !flags.booleans.has('no-progress') && io.stdout.isTTY === true,
    });
    memory.stop();
    const figures = sessionFigures(monitor.summary(), turns, { name: model.model, offline: model.offline });
    const prometheus = flags.values.get('prometheus');
    if (prometheus !== undefined) {
      await writeFile(prometheus, monitor.toPrometheus(), 'utf8');
      transcript.write(`\nPrometheus metrics written to ${prometheus}\n`);
    }
    if (json) {
      const outcome: AssistOutcome = { figures, turns, workspace: assistant.workspace.root };
      io.stdout.write(`${JSON.stringify(outcome, null, 2)}\n`);
    } else {
      io.stdout.write(`\n${formatFiguresTable(figures)}\n`);
      const blocked = assistant.audit.filter((entry) => entry.outcome === 'blocked').length;
      io.stdout.write(`audit log: ${assistant.audit.length} tool calls recorded, ${blocked} blocked\n`);
    }
    return 0;
  } finally {
    memory.stop();
    runtime.stop();
    await assistant.close();
    await mcp?.source.close();
    await model.close();
    sample?.remove();
  }
}
