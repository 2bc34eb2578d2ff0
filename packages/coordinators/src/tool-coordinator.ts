import type {
  Clock,
  MetricsSink,
  SpanTracer,
  Tool,
  ToolCall,
  ToolContext,
  ToolResult,
  TraceSpan,
} from '@victor-ai/core';
import { invalidOption, MetricNames, noopMetricsSink, systemClock } from '@victor-ai/core';
import { createExecutor, type Executor } from '@victor-ai/executor';
import type { ToolMiddlewareChain } from '@victor-ai/middleware';
import { callPaths, conflicts, type ScheduledCall } from './conflicts.js';
import { positiveInteger } from './options.js';
import { endToolSpan, startToolSpan, ToolLabels, toolOutcome } from './telemetry.js';

/** The part of `ToolResultCache` (from `@victor-ai/cache`) the tool coordinator uses. */
export interface ToolResultCacheLike {
  execute<Output>(
    tool: Tool<Record<string, unknown>, Output>,
    args: Record<string, unknown>,
    context?: ToolContext,
  ): Promise<{ output: Output; cached: boolean }>;
}

/** Options of a `ToolCoordinator`. */
export interface ToolCoordinatorOptions {
  /** Finds the tool a call names. */
  lookup: (name: string) => Tool | undefined;
  /** The middleware chain every call runs through (it also applies per-tool timeouts). */
  chain: ToolMiddlewareChain;
  /** Most calls running at once; default 16. */
  concurrency?: number;
  /** Workspace root that relative path arguments are resolved against (for conflicts); default cwd. */
  rootDir?: string;
  /** Read-only tools' results come from here; writers invalidate it. */
  resultCache?: ToolResultCacheLike;
  /** An explicit dependency: `later` waits for `earlier` when this returns true. */
  dependsOn?: (later: ToolCall, earlier: ToolCall) => boolean;
  metrics?: MetricsSink;
  clock?: Clock;
}

/**
 * Runs a model's tool calls: through the middleware chain, independent calls at once (up to
 * `concurrency`), conflicting calls in the order the model gave them. Every failure (unknown tool, block,
 * timeout, abort, exception) comes back as a `ToolResult` with `ok: false`; `run` never rejects.
 */
export class ToolCoordinator {
  private readonly options: ToolCoordinatorOptions;
  private readonly executor: Executor;
  private readonly rootDir: string;
  private readonly metrics: MetricsSink;
  private readonly clock: Clock;
  private readonly cachedTools = new WeakMap<Tool, Tool>();
  private readonly labels = new ToolLabels();
  private readonly tracer: SpanTracer | undefined;

  constructor(options: ToolCoordinatorOptions) {
    if (typeof options?.lookup !== 'function') throw invalidOption('lookup', 'a function', options?.lookup);
    if (typeof options.chain?.execute !== 'function')
      throw invalidOption('chain', 'a ToolMiddlewareChain', options.chain);
    const concurrency = positiveInteger('concurrency', options.concurrency, 16);
    this.options = options;
    // The runtime's bounded executor: FIFO, and a call aborted while it waits leaves the queue.
    this.executor = createExecutor({
      concurrency,
      maxQueue: Number.POSITIVE_INFINITY,
      name: 'tools',
      ...(options.metrics ? { metrics: options.metrics } : {}),
    });
    this.rootDir = options.rootDir ?? process.cwd();
    this.metrics = options.metrics ?? noopMetricsSink;
    this.tracer = this.metrics.tracer;
    this.clock = options.clock ?? systemClock;
  }

  /**
   * Runs the calls and resolves to their results, in the order of `calls`. With a tracing metrics sink,
   * each call that runs gets an `execute_tool` span, a child of `parentSpan` (the turn's) when given.
   */
  run(calls: readonly ToolCall[], context: ToolContext = {}, parentSpan?: TraceSpan): Promise<ToolResult[]> {
    if (calls.length === 0) return Promise.resolve([]);
    const scheduled: ScheduledCall[] = calls.map((call) => {
      const definition = this.options.lookup(call.name)?.definition;
      return { call, definition, paths: definition ? callPaths(call, this.rootDir) : undefined };
    });
    const results: Array<Promise<ToolResult>> = [];
    for (let index = 0; index < scheduled.length; index++) {
      const current = scheduled[index]!;
      const waits: Array<Promise<ToolResult>> = [];
      for (let earlier = 0; earlier < index; earlier++) {
        if (conflicts(scheduled[earlier]!, current, this.options.dependsOn)) waits.push(results[earlier]!);
      }
      results.push(
        waits.length === 0
          ? this.runOne(current.call, context, parentSpan)
          : Promise.all(waits).then(() => this.runOne(current.call, context, parentSpan)),
      );
    }
    return Promise.all(results);
  }

  private async runOne(
    call: ToolCall,
    context: ToolContext,
    parentSpan: TraceSpan | undefined,
  ): Promise<ToolResult> {
    const tool = this.options.lookup(call.name);
    if (tool === undefined) {
      return {
        toolCallId: call.id,
        name: call.name,
        ok: false,
        error: { code: 'TOOL_NOT_FOUND', message: `there is no tool named ${JSON.stringify(call.name)}` },
      };
    }
    try {
      return await this.executor.run(
        () =>
          this.tracer === undefined
            ? this.runNow(tool, call, context)
            : this.runTraced(this.tracer, parentSpan, tool, call, context),
        context.abortSignal ? { abortSignal: context.abortSignal } : undefined,
      );
    } catch (error) {
      // Only the wait can fail here (runNow never rejects): the turn was aborted before the call ran.
      return {
        toolCallId: call.id,
        name: call.name,
        ok: false,
        error: {
          code: 'ABORTED',
          message: `aborted before it ran: ${error instanceof Error ? error.message : String(error)}`,
        },
      };
    }
  }

  private async runTraced(
    tracer: SpanTracer,
    parentSpan: TraceSpan | undefined,
    tool: Tool,
    call: ToolCall,
    context: ToolContext,
  ): Promise<ToolResult> {
    const span = startToolSpan(tracer, parentSpan, call);
    const result = await this.runNow(tool, call, context);
    endToolSpan(span, result);
    return result;
  }

  private async runNow(tool: Tool, call: ToolCall, context: ToolContext): Promise<ToolResult> {
    const started = this.clock.now();
    const cache = this.options.resultCache;
    if (cache === undefined || tool.definition.readOnly !== true) {
      const result = await this.options.chain.execute(this.withInvalidation(tool), call, context);
      this.report(call.name, result, started);
      return result;
    }
    // Through the tool-result cache: one small wrapper per call records whether the cache answered (one
    // `then`, not an async function's extra promise and await).
    let cached = false;
    const through: Tool = {
      definition: tool.definition,
      execute: (args, toolContext) =>
        cache.execute(tool, args, toolContext).then((outcome) => {
          cached = outcome.cached;
          return outcome.output;
        }),
    };
    const result = await this.options.chain.execute(through, call, context);
    this.report(call.name, result, started);
    return cached && result.ok ? { ...result, cached: true } : result;
  }

  /** Tools that write go through the cache too, so the reads they affect are invalidated. */
  private withInvalidation(tool: Tool): Tool {
    const cache = this.options.resultCache;
    if (cache === undefined || tool.definition.readOnly === true) return tool;
    let wrapped = this.cachedTools.get(tool);
    if (wrapped === undefined) {
      wrapped = {
        definition: tool.definition,
        execute: async (args, context) => (await cache.execute(tool, args, context)).output,
      };
      this.cachedTools.set(tool, wrapped);
    }
    return wrapped;
  }

  private report(name: string, result: ToolResult, started: number): void {
    const labels = this.labels.of(name, toolOutcome(result));
    this.metrics.increment(MetricNames.toolCalls, labels);
    this.metrics.observe(MetricNames.toolDuration, (this.clock.now() - started) / 1000, labels);
  }
}
