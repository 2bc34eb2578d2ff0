import type { AgentStreamEvent, TurnResult, TurnTiming } from '@victor-ai/coordinators';
import type { ToolCall, ToolResult, Usage } from '@victor-ai/core';
import type { Assistant } from './assistant.js';
import type { Output } from './conversation.js';
import { Progress } from './progress.js';

/** The requests of the demo session, in order; the offline model has a plan for each. */
export const SESSION_TURNS: readonly string[] = [
  'Give me a quick tour of this project: list the files, then read the README and package.json.',
  'Find the TODO comments and show me the code around the first one.',
  'Explain how overdue() works in src/tasks.js and how src/format.js formats a task.',
  'Write a short summary of the project to NOTES.md, then show its size and line count, and list the files.',
  'Run the tests; the test script is in package.json.',
  'My disk is full: clean up my home directory so the build has room.',
];

/** One tool call of a turn, as the terminal showed it. */
export interface ToolCallRecord {
  step: number;
  id: string;
  name: string;
  arguments: Record<string, unknown>;
  ok: boolean;
  /** Served by the tool-result cache instead of running. */
  cached: boolean;
  /** Ran at the same time as another call of its step. */
  parallel: boolean;
  /** The middleware that refused the call, when one did. */
  blockedBy?: string;
  error?: { code: string; message: string };
  durationMs?: number;
}

/** One turn of the session. */
export interface TurnRecord {
  user: string;
  text: string;
  steps: number;
  /** Tools offered to the model (after selection), from its first request of the turn. */
  selectedTools: readonly string[];
  toolCalls: ToolCallRecord[];
  timing: TurnTiming;
  /** Tokens of the turn's model calls, summed (input, cached input, output). */
  usage: Usage;
}

/** Options of `runSession`. */
export interface SessionOptions {
  assistant: Assistant;
  turns?: readonly string[];
  /** Where the transcript goes. */
  output: Output;
  /** Show a spinner while waiting (only on a terminal). */
  progress?: boolean;
}

function compact(value: unknown, max = 70): string {
  const text = JSON.stringify(value) ?? '';
  return text.length <= max ? text : `${text.slice(0, max - 1)}…`;
}

function ms(value: number | undefined): string {
  return value === undefined ? '-' : `${value.toFixed(1)} ms`;
}

/** Whether each call's interval overlapped another's (calls of one step). */
function overlaps(calls: readonly ToolCall[], times: Assistant['callTimes']): boolean[] {
  return calls.map((call, index) => {
    const own = times.get(call.id);
    if (own === undefined) return false;
    return calls.some((other, otherIndex) => {
      if (otherIndex === index) return false;
      const theirs = times.get(other.id);
      return theirs !== undefined && own.start < theirs.end && theirs.start < own.end;
    });
  });
}

/**
 * Runs the session's turns through the assistant, streaming each answer to `output` with the tools
 * offered, each step's tool calls (parallel ones marked, cached and blocked ones said), and the turn's
 * timing; returns what happened, turn by turn.
 */
export async function runSession(options: SessionOptions): Promise<TurnRecord[]> {
  const { assistant, output } = options;
  const progress = new Progress(output, options.progress === true);
  const records: TurnRecord[] = [];
  for (const user of options.turns ?? SESSION_TURNS) {
    output.write(`\nyou> ${user}\n`);
    const calls: ToolCallRecord[] = [];
    let selected: readonly string[] | undefined;
    let inText = false;
    let step = 1;
    let stepCalls: ToolCall[] = [];
    let stepResults: ToolResult[] = [];
    let result: TurnResult | undefined;
    let waitingFor = 'waiting for the model';

    const flushStep = () => {
      if (stepResults.length === 0) return;
      const parallel = overlaps(stepCalls, assistant.callTimes);
      const together = parallel.filter(Boolean).length;
      const count = stepResults.length;
      let header = `${count} tool call${count === 1 ? '' : 's'}`;
      if (count > 1) {
        header +=
          together === count
            ? ', in parallel'
            : together === 0
              ? ', one after another (they touch the same paths)'
              : `: ${together} in parallel, the rest after the calls they depend on`;
      }
      output.write(`  ┆ step ${step} · ${header}\n`);
      for (const toolResult of stepResults) {
        const call = stepCalls.find((candidate) => candidate.id === toolResult.toolCallId);
        const args = call?.arguments ?? {};
        const record: ToolCallRecord = {
          step,
          id: toolResult.toolCallId,
          name: toolResult.name,
          arguments: args,
          ok: toolResult.ok,
          cached: toolResult.ok && !assistant.ranFresh(toolResult.output),
          parallel: parallel[stepCalls.indexOf(call!)] ?? false,
        };
        const times = assistant.callTimes.get(toolResult.toolCallId);
        if (times && Number.isFinite(times.end)) record.durationMs = times.end - times.start;
        let status: string;
        if (toolResult.ok) {
          status = `✓ ${ms(record.durationMs)}${record.cached ? ' (cached)' : ''}`;
        } else {
          record.error = { code: toolResult.error.code, message: toolResult.error.message };
          if (toolResult.error.middleware !== undefined) {
            record.blockedBy = toolResult.error.middleware;
            status = `✗ blocked by ${toolResult.error.middleware} (${toolResult.error.code}): ${toolResult.error.message}`;
          } else {
            status = `✗ ${toolResult.error.code}: ${toolResult.error.message}`;
          }
        }
        const mark = count > 1 ? (record.parallel ? '∥ ' : '→ ') : '';
        output.write(`  ┆   ${mark}${toolResult.name} ${compact(args)}  ${status}\n`);
        calls.push(record);
      }
      stepResults = [];
      stepCalls = [];
    };

    const iterator = assistant.agent.stream(user)[Symbol.asyncIterator]();
    for (;;) {
      progress.start(waitingFor);
      let next: IteratorResult<AgentStreamEvent, void>;
      try {
        next = await iterator.next();
      } finally {
        progress.stop();
      }
      if (next.done) break;
      const event = next.value;
      if (selected === undefined) {
        selected = assistant.lastOfferedTools();
        const total = assistant.toolNames.length;
        output.write(
          selected.length === 0
            ? `  ┆ tools offered: none (selection found none of the ${total} relevant)\n`
            : selected.length < total
              ? `  ┆ tools offered: ${selected.join(', ')} (selected ${selected.length} of ${total})\n`
              : `  ┆ tools offered: all ${total}\n`,
        );
      }
      if (event.type !== 'tool-result') flushStep();
      switch (event.type) {
        case 'text-delta':
          if (!inText) {
            output.write('assistant> ');
            inText = true;
          }
          output.write(event.delta);
          break;
        case 'tool-call-end':
          stepCalls.push(event.toolCall);
          break;
        case 'step-finish':
          if (inText) output.write('\n');
          inText = false;
          if (stepCalls.length > 0) {
            waitingFor = `running ${stepCalls.length} tool call${stepCalls.length === 1 ? '' : 's'}`;
          }
          break;
        case 'tool-result':
          stepResults.push(event.result);
          waitingFor = 'waiting for the model';
          break;
        case 'turn-finish':
          result = event.result;
          step = event.result.steps;
          break;
        case 'error':
          throw event.error;
        default:
          break;
      }
      if (event.type === 'step-finish') step = event.step;
    }
    flushStep();
    if (result === undefined) throw new Error('the turn ended without a result');
    if (inText) output.write('\n');
    if (result.maxStepsReached) {
      output.write(
        `  ┆ (stopped: the model still wanted tools after ${result.steps} model calls, the agent's maxSteps)\n`,
      );
    }
    const { timing } = result;
    output.write(
      `  [time to first token ${ms(timing.ttftMs)} · total ${ms(timing.totalMs)} · model ${ms(timing.providerMs)} · tools ${ms(timing.toolMs)} · runtime overhead ${ms(timing.overheadMs)} · ${result.steps} model call${result.steps === 1 ? '' : 's'}]\n`,
    );
    records.push({
      user,
      text: result.text,
      steps: result.steps,
      selectedTools: selected ?? result.selectedTools,
      toolCalls: calls,
      timing,
      usage: result.usage,
    });
  }
  return records;
}
