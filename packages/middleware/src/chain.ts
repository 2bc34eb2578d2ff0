import {
  type Clock,
  combineSignals,
  describeValue,
  invalidOption,
  type MetricLabels,
  MetricNames,
  type MetricsSink,
  type MiddlewareContext,
  type MiddlewareDecision,
  MiddlewarePriority,
  noopMetricsSink,
  systemClock,
  type Tool,
  type ToolCall,
  type ToolContext,
  type ToolDefinition,
  type ToolMiddleware,
  type ToolResult,
  VictorError,
} from '@victor-ai/core';
import { MiddlewareResultCode } from './codes.js';
import { checkOptions, checkTimeoutMs } from './options.js';

/** A value now, or later. Hooks and the chain return plain values when everything on the way is synchronous. */
export type MaybePromise<T> = T | Promise<T>;

/** What the `before` pass decided: go on with this (possibly rewritten) call, or stop with this result. */
export type BeforeOutcome = { proceed: true; call: ToolCall } | { proceed: false; result: ToolResult };

/** Where a middleware failed, for `onMiddlewareError`. */
export interface MiddlewareErrorInfo {
  middleware: string;
  kind: 'guard' | 'observer';
  phase: 'before' | 'after' | 'appliesTo';
  toolName: string;
}

/** Options of `createToolMiddlewareChain`. */
export interface ToolMiddlewareChainOptions {
  /** Default timeout of `execute` for every tool, in milliseconds. None by default. */
  timeoutMs?: number;
  /** Per-tool timeouts by tool name; they take precedence over `timeoutMs`. */
  toolTimeoutsMs?: Readonly<Record<string, number>>;
  /** Called when a middleware throws (guards then block, observers are skipped). Must not throw. */
  onMiddlewareError?: (error: unknown, info: MiddlewareErrorInfo) => void;
  /** Receives `victor_middleware_blocks_total` and `victor_middleware_errors_total`. */
  metrics?: MetricsSink;
  /** Time source for `durationMs`; `systemClock` by default. */
  clock?: Clock;
  /**
   * Set `durationMs` on results of `execute` (two clock reads per call, most of `execute`'s own cost);
   * default true.
   */
  measureDuration?: boolean;
}

/** The middlewares that apply to one tool, in the order their `before` hooks run. */
export interface ToolMiddlewarePlan {
  readonly definition: ToolDefinition;
  readonly middlewares: readonly ToolMiddleware[];
  /** Timeout `execute` applies to this tool, if any. */
  readonly timeoutMs: number | undefined;
}

/**
 * Runs tool middlewares in priority order (lower first, ties in registration order), skipping those that
 * do not apply, stopping at the first block. Plans are computed once per tool and reused.
 */
export interface ToolMiddlewareChain {
  /** Every registered middleware, sorted in run order. */
  readonly middlewares: readonly ToolMiddleware[];
  /** The cached plan for a tool (computed on first use, recomputed if the definition object changes). */
  plan(definition: ToolDefinition): ToolMiddlewarePlan;
  /**
   * Runs the `before` hooks. Synchronous (no promise) when every hook that runs answers synchronously.
   * On a block, the result has already passed through the `after` hooks of the middlewares that ran.
   */
  before(call: ToolCall, context: MiddlewareContext): MaybePromise<BeforeOutcome>;
  /** Runs the `after` hooks in reverse order (the first middleware sees the result last). */
  after(call: ToolCall, result: ToolResult, context: MiddlewareContext): MaybePromise<ToolResult>;
  /**
   * Runs a tool through the chain: before, execute (with the tool's timeout), after. Never throws or
   * rejects: every failure is a `ToolResult` with `ok: false`. Synchronous when the hooks and the tool are.
   */
  execute(tool: Tool, call: ToolCall, context?: ToolContext): MaybePromise<ToolResult>;
}

interface Entry {
  readonly middleware: ToolMiddleware;
  readonly guard: boolean;
  readonly info: Readonly<Record<'before' | 'after', MiddlewareErrorInfo>>;
}

interface Plan extends ToolMiddlewarePlan {
  readonly entries: readonly Entry[];
  readonly hasAfter: boolean;
}

interface Registered {
  readonly middleware: ToolMiddleware;
  readonly priority: number;
  readonly guard: boolean;
}

const EMPTY_CONTEXT: ToolContext = Object.freeze({});
const NO_CLOCK: Clock = Object.freeze({ now: () => 0, epochMs: () => 0 });

function isThenable<T>(value: unknown): value is PromiseLike<T> {
  return (
    typeof value === 'object' && value !== null && typeof (value as { then?: unknown }).then === 'function'
  );
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function errorMessage(error: unknown): string {
  if (error instanceof Error) return error.message;
  return describeValue(error);
}

/** True when a definition falls in a middleware's scope; no scope (or an empty one) means every tool. */
export function middlewareApplies(middleware: ToolMiddleware, definition: ToolDefinition): boolean {
  const scope = middleware.appliesTo;
  if (scope === undefined) return true;
  const { names, tags, categories, predicate } = scope;
  if (names === undefined && tags === undefined && categories === undefined && predicate === undefined) {
    return true;
  }
  if (names?.includes(definition.name)) return true;
  if (tags !== undefined && definition.tags?.some((tag) => tags.includes(tag))) return true;
  if (categories !== undefined && definition.category !== undefined) {
    if (categories.includes(definition.category)) return true;
  }
  if (predicate?.(definition)) return true;
  return false;
}

/**
 * Checks what tool and model middlewares share: `middlewares[index]` is an object (`expected` names which)
 * with a non-empty `name`, and each of `hooks` is a function or absent. Returns it for further checks.
 * Internal to the package.
 */
export function validateMiddlewareHooks(
  middleware: unknown,
  index: number,
  expected: string,
  hooks: readonly string[],
): Record<string, unknown> {
  const option = `middlewares[${index}]`;
  if (typeof middleware !== 'object' || middleware === null)
    throw invalidOption(option, expected, middleware);
  const candidate = middleware as Record<string, unknown>;
  if (typeof candidate.name !== 'string' || candidate.name === '') {
    throw invalidOption(`${option}.name`, 'a non-empty string', candidate.name);
  }
  for (const hook of hooks) {
    if (candidate[hook] !== undefined && typeof candidate[hook] !== 'function') {
      throw invalidOption(`${option}.${hook}`, 'a function', candidate[hook]);
    }
  }
  return candidate;
}

function validateMiddleware(middleware: unknown, index: number): asserts middleware is ToolMiddleware {
  const option = `middlewares[${index}]`;
  const candidate = validateMiddlewareHooks(middleware, index, 'a middleware object', ['before', 'after']);
  const priority = candidate.priority;
  if (priority !== undefined && !(typeof priority === 'number' && Number.isFinite(priority))) {
    throw invalidOption(`${option}.priority`, 'a finite number', priority);
  }
  const kind = candidate.kind;
  if (kind !== undefined && kind !== 'guard' && kind !== 'observer') {
    throw invalidOption(`${option}.kind`, '"guard" or "observer"', kind);
  }
  const scope = candidate.appliesTo;
  if (scope !== undefined) {
    if (!isPlainObject(scope)) throw invalidOption(`${option}.appliesTo`, 'an object', scope);
    for (const key of ['names', 'tags', 'categories'] as const) {
      const list = scope[key];
      if (list !== undefined && !(Array.isArray(list) && list.every((item) => typeof item === 'string'))) {
        throw invalidOption(`${option}.appliesTo.${key}`, 'an array of strings', list);
      }
    }
    if (scope.predicate !== undefined && typeof scope.predicate !== 'function') {
      throw invalidOption(`${option}.appliesTo.predicate`, 'a function', scope.predicate);
    }
  }
}

/**
 * Builds a tool middleware chain. Middlewares are validated and sorted once: lower `priority` runs first
 * (`MiddlewarePriority.critical` 0 ... `deferred` 100, default `normal`), ties keep registration order.
 */
export function createToolMiddlewareChain(
  middlewares: readonly ToolMiddleware[],
  options: ToolMiddlewareChainOptions = {},
): ToolMiddlewareChain {
  if (!Array.isArray(middlewares)) throw invalidOption('middlewares', 'an array of middlewares', middlewares);
  checkOptions(options, [], ['onMiddlewareError']);
  const names = new Set<string>();
  const registered: Registered[] = middlewares.map((middleware, index) => {
    validateMiddleware(middleware, index);
    if (names.has(middleware.name)) {
      throw invalidOption(`middlewares[${index}].name`, 'unique in the chain', middleware.name);
    }
    names.add(middleware.name);
    return {
      middleware,
      priority: middleware.priority ?? MiddlewarePriority.normal,
      guard: (middleware.kind ?? 'guard') === 'guard',
    };
  });
  // Array.prototype.sort is stable, so equal priorities keep registration order.
  registered.sort((a, b) => a.priority - b.priority);

  checkTimeoutMs('timeoutMs', options.timeoutMs);
  const toolTimeouts: Readonly<Record<string, number>> = options.toolTimeoutsMs ?? {};
  if (typeof toolTimeouts !== 'object' || toolTimeouts === null)
    throw invalidOption('toolTimeoutsMs', 'an object', toolTimeouts);
  for (const [name, value] of Object.entries(toolTimeouts)) checkTimeoutMs(`toolTimeoutsMs.${name}`, value);
  const metrics = options.metrics ?? noopMetricsSink;
  const measure = options.measureDuration ?? true;
  const clock = measure ? (options.clock ?? systemClock) : NO_CLOCK;

  function succeeded(call: ToolCall, output: unknown, started: number): ToolResult {
    if (!measure) return { toolCallId: call.id, name: call.name, ok: true, output };
    return { toolCallId: call.id, name: call.name, ok: true, output, durationMs: clock.now() - started };
  }
  const onMiddlewareError = options.onMiddlewareError;
  const errorLabels = new Map<string, MetricLabels>();

  const sorted = registered.map((item) => item.middleware);
  const plans = new Map<string, Plan>();

  function report(error: unknown, info: MiddlewareErrorInfo): void {
    let labels = errorLabels.get(info.middleware);
    if (labels === undefined) {
      labels = Object.freeze({ middleware: info.middleware });
      errorLabels.set(info.middleware, labels);
    }
    metrics.increment(MetricNames.middlewareErrors, labels);
    if (onMiddlewareError === undefined) return;
    try {
      onMiddlewareError(error, info);
    } catch {
      // The error callback is the last resort; a failure in it must not change the call's outcome.
    }
  }

  function buildPlan(definition: ToolDefinition): Plan {
    const entries: Entry[] = [];
    for (const item of registered) {
      let applies: boolean;
      try {
        applies = middlewareApplies(item.middleware, definition);
      } catch (error) {
        // A scope that cannot be evaluated keeps the middleware in: a guard must not be skipped by accident.
        report(error, {
          middleware: item.middleware.name,
          kind: item.guard ? 'guard' : 'observer',
          phase: 'appliesTo',
          toolName: definition.name,
        });
        applies = true;
      }
      if (!applies) continue;
      const info = (phase: 'before' | 'after'): MiddlewareErrorInfo =>
        Object.freeze({
          middleware: item.middleware.name,
          kind: item.guard ? 'guard' : 'observer',
          phase,
          toolName: definition.name,
        });
      entries.push({
        middleware: item.middleware,
        guard: item.guard,
        info: { before: info('before'), after: info('after') },
      });
    }
    return Object.freeze({
      definition,
      entries,
      middlewares: Object.freeze(entries.map((entry) => entry.middleware)),
      hasAfter: entries.some((entry) => entry.middleware.after !== undefined),
      timeoutMs: toolTimeouts[definition.name] ?? options.timeoutMs,
    });
  }

  function planFor(definition: ToolDefinition): Plan {
    let plan = plans.get(definition.name);
    if (plan === undefined || plan.definition !== definition) {
      plan = buildPlan(definition);
      plans.set(definition.name, plan);
    }
    return plan;
  }

  function failureResult(call: ToolCall, entry: Entry, phase: string, error: unknown): ToolResult {
    return {
      toolCallId: call.id,
      name: call.name,
      ok: false,
      error: {
        code: MiddlewareResultCode.middlewareFailed,
        message: `middleware ${JSON.stringify(entry.middleware.name)} failed in ${phase}: ${errorMessage(error)}`,
        middleware: entry.middleware.name,
      },
    };
  }

  function blockedResult(call: ToolCall, entry: Entry, code: string, reason: string): ToolResult {
    metrics.increment(MetricNames.middlewareBlocks, { middleware: entry.middleware.name, reason: code });
    return {
      toolCallId: call.id,
      name: call.name,
      ok: false,
      error: { code, message: reason, middleware: entry.middleware.name },
    };
  }

  /**
   * Applies one decision. Returns the call to go on with, or a result that stops the chain. A decision
   * that is not one of the three shapes is a fault of the middleware.
   */
  function applyDecision(
    call: ToolCall,
    entry: Entry,
    decision: MiddlewareDecision | undefined,
  ): ToolCall | ToolResult | undefined {
    if (decision === undefined || decision === null) return call;
    switch (decision.type) {
      case 'pass':
        return call;
      case 'rewrite':
        if (!isPlainObject(decision.arguments)) return undefined;
        return { id: call.id, name: call.name, arguments: decision.arguments };
      case 'block':
        return blockedResult(call, entry, String(decision.code), String(decision.reason));
      default:
        return undefined;
    }
  }

  /**
   * A hook failed: a guard fails closed with a failure result (a guard's `after` may be what keeps a secret
   * out of the result), an observer is skipped and `fallback` stands: nothing for `before`, the result so
   * far for `after`.
   */
  function hookFailure<Fallback extends ToolResult | undefined>(
    call: ToolCall,
    entry: Entry,
    phase: 'before' | 'after',
    error: unknown,
    fallback: Fallback,
  ): ToolResult | Fallback {
    report(error, entry.info[phase]);
    return entry.guard ? failureResult(call, entry, phase, error) : fallback;
  }

  /** A `before` hook failed: a guard's failure result, or nothing for an observer (skipped). */
  function beforeFailure(call: ToolCall, entry: Entry, error: unknown): ToolResult | undefined {
    return hookFailure(call, entry, 'before', error, undefined);
  }

  /** A `before` hook answered something that is not a decision: a fault of the middleware. */
  function invalidDecision(call: ToolCall, entry: Entry, decision: unknown): ToolResult | undefined {
    return beforeFailure(call, entry, new TypeError(`invalid decision ${describeValue(decision)}`));
  }

  function stop(
    plan: Plan,
    index: number,
    call: ToolCall,
    result: ToolResult,
    context: MiddlewareContext,
  ): MaybePromise<BeforeOutcome> {
    // Middlewares that already ran their `before` see the block on the way out, like any result.
    const unwound = index > 0 && plan.hasAfter ? runAfter(plan, index - 1, call, result, context) : result;
    if (isThenable<ToolResult>(unwound)) {
      return Promise.resolve(unwound).then((final) => ({ proceed: false as const, result: final }));
    }
    return { proceed: false, result: unwound };
  }

  function runBefore(
    plan: Plan,
    start: number,
    call: ToolCall,
    context: MiddlewareContext,
  ): MaybePromise<BeforeOutcome> {
    const entries = plan.entries;
    for (let index = start; index < entries.length; index++) {
      const entry = entries[index]!;
      const middleware = entry.middleware;
      if (middleware.before === undefined) continue;
      let decision: ReturnType<NonNullable<ToolMiddleware['before']>>;
      try {
        decision = middleware.before(call, context);
      } catch (error) {
        const failure = beforeFailure(call, entry, error);
        if (failure !== undefined) return stop(plan, index, call, failure, context);
        continue;
      }
      if (isThenable<MiddlewareDecision | undefined>(decision)) {
        return continueBefore(plan, index, call, context, decision);
      }
      const next = applyDecision(call, entry, decision);
      if (next === undefined) {
        const failure = invalidDecision(call, entry, decision);
        if (failure !== undefined) return stop(plan, index, call, failure, context);
      } else if ('toolCallId' in next) {
        return stop(plan, index, call, next, context);
      } else {
        if (next !== call) rewrittenAt.set(next, index);
        call = next;
      }
    }
    return { proceed: true, call };
  }

  // The index of the middleware whose rewrite made a call object, to know which guards saw other arguments.
  const rewrittenAt = new WeakMap<ToolCall, number>();

  /**
   * Runs the `before` hooks; when a middleware rewrote the arguments, the guards judge the final arguments
   * again (a rewrite placed after a guard must not slip past it). Rechecks see `context.recheck === true`.
   */
  function beforeAll(plan: Plan, call: ToolCall, context: MiddlewareContext): MaybePromise<BeforeOutcome> {
    const outcome = runBefore(plan, 0, call, context);
    if (isThenable<BeforeOutcome>(outcome)) {
      return Promise.resolve(outcome).then((value) => recheck(plan, call, value, context));
    }
    return recheck(plan, call, outcome, context);
  }

  function recheck(
    plan: Plan,
    original: ToolCall,
    outcome: BeforeOutcome,
    context: MiddlewareContext,
  ): MaybePromise<BeforeOutcome> {
    if (!outcome.proceed || outcome.call === original) return outcome;
    // Only the guards before the last rewrite judged other arguments than the final ones.
    const end = rewrittenAt.get(outcome.call) ?? 0;
    if (end === 0) return outcome;
    const again = Object.assign({}, context, { recheck: true }) as MiddlewareContext;
    return guardPass(plan, 0, end, outcome.call, again, context);
  }

  function guardPass(
    plan: Plan,
    start: number,
    end: number,
    call: ToolCall,
    again: MiddlewareContext,
    context: MiddlewareContext,
  ): MaybePromise<BeforeOutcome> {
    const entries = plan.entries;
    // The same decision rules as the first pass (a block stops, an invalid decision fails closed), except
    // that a further rewrite lets the arguments stand as they are.
    const judge = (entry: Entry, decision: MiddlewareDecision | undefined): ToolResult | undefined => {
      const next = applyDecision(call, entry, decision);
      if (next === undefined) return invalidDecision(call, entry, decision);
      return 'toolCallId' in next ? next : undefined;
    };
    for (let index = start; index < end; index++) {
      const entry = entries[index]!;
      if (!entry.guard || entry.middleware.before === undefined) continue;
      let decision: ReturnType<NonNullable<ToolMiddleware['before']>>;
      try {
        decision = entry.middleware.before(call, again);
      } catch (error) {
        return stop(plan, entries.length, call, beforeFailure(call, entry, error)!, context);
      }
      if (isThenable<MiddlewareDecision | undefined>(decision)) {
        return Promise.resolve(decision).then(
          (value) => {
            const blocked = judge(entry, value);
            return blocked
              ? stop(plan, entries.length, call, blocked, context)
              : guardPass(plan, index + 1, end, call, again, context);
          },
          (error: unknown) => stop(plan, entries.length, call, beforeFailure(call, entry, error)!, context),
        );
      }
      const blocked = judge(entry, decision);
      if (blocked) return stop(plan, entries.length, call, blocked, context);
    }
    return { proceed: true, call };
  }

  async function continueBefore(
    plan: Plan,
    index: number,
    call: ToolCall,
    context: MiddlewareContext,
    pending: PromiseLike<MiddlewareDecision | undefined>,
  ): Promise<BeforeOutcome> {
    const entry = plan.entries[index]!;
    let decision: MiddlewareDecision | undefined;
    try {
      decision = await pending;
    } catch (error) {
      const failure = beforeFailure(call, entry, error);
      if (failure !== undefined) return stop(plan, index, call, failure, context);
      return runBefore(plan, index + 1, call, context);
    }
    const next = applyDecision(call, entry, decision);
    if (next === undefined) {
      const failure = invalidDecision(call, entry, decision);
      if (failure !== undefined) return stop(plan, index, call, failure, context);
      return runBefore(plan, index + 1, call, context);
    }
    if ('toolCallId' in next) return stop(plan, index, call, next, context);
    if (next !== call) rewrittenAt.set(next, index);
    return runBefore(plan, index + 1, next, context);
  }

  function isToolResult(value: unknown): value is ToolResult {
    return isPlainObject(value) && typeof value.ok === 'boolean' && typeof value.toolCallId === 'string';
  }

  function applyAfter(
    call: ToolCall,
    entry: Entry,
    result: ToolResult,
    next: ToolResult | undefined,
  ): ToolResult {
    if (next === undefined || next === null) return result;
    if (isToolResult(next)) return next;
    return hookFailure(call, entry, 'after', new TypeError(`invalid result ${describeValue(next)}`), result);
  }

  function runAfter(
    plan: Plan,
    start: number,
    call: ToolCall,
    result: ToolResult,
    context: MiddlewareContext,
  ): MaybePromise<ToolResult> {
    const entries = plan.entries;
    for (let index = start; index >= 0; index--) {
      const entry = entries[index]!;
      const middleware = entry.middleware;
      if (middleware.after === undefined) continue;
      let next: ReturnType<NonNullable<ToolMiddleware['after']>>;
      try {
        next = middleware.after(call, result, context);
      } catch (error) {
        result = hookFailure(call, entry, 'after', error, result);
        continue;
      }
      if (isThenable<ToolResult | undefined>(next))
        return continueAfter(plan, index, call, result, context, next);
      result = applyAfter(call, entry, result, next);
    }
    return result;
  }

  async function continueAfter(
    plan: Plan,
    index: number,
    call: ToolCall,
    result: ToolResult,
    context: MiddlewareContext,
    pending: PromiseLike<ToolResult | undefined>,
  ): Promise<ToolResult> {
    const entry = plan.entries[index]!;
    try {
      result = applyAfter(call, entry, result, await pending);
    } catch (error) {
      result = hookFailure(call, entry, 'after', error, result);
    }
    return runAfter(plan, index - 1, call, result, context);
  }

  function toolFailure(call: ToolCall, error: unknown, durationMs: number): ToolResult {
    const code = VictorError.isInstance(error) ? error.code : MiddlewareResultCode.toolFailed;
    return {
      toolCallId: call.id,
      name: call.name,
      ok: false,
      error: { code, message: errorMessage(error) },
      ...(measure ? { durationMs } : {}),
    };
  }

  /** The call's signal fired: a timeout keeps its `TIMEOUT` code, anything else is `ABORTED`. */
  function abortFailure(call: ToolCall, reason: unknown, durationMs: number): ToolResult {
    const timedOut = VictorError.isInstance(reason) && reason.code === 'TIMEOUT';
    return {
      toolCallId: call.id,
      name: call.name,
      ok: false,
      error: {
        code: timedOut ? MiddlewareResultCode.timeout : MiddlewareResultCode.aborted,
        message: timedOut
          ? `tool ${JSON.stringify(call.name)} ${errorMessage(reason)}`
          : `tool ${JSON.stringify(call.name)} was aborted${reason === undefined ? '' : `: ${errorMessage(reason)}`}`,
      },
      ...(measure ? { durationMs } : {}),
    };
  }

  function runTool(
    plan: Plan,
    tool: Tool,
    call: ToolCall,
    context: MiddlewareContext,
  ): MaybePromise<ToolResult> {
    const abortSignal = context.abortSignal;
    if (abortSignal?.aborted) {
      return abortFailure(call, abortSignal.reason, 0);
    }
    const timeoutMs = plan.timeoutMs;
    const combined = timeoutMs === undefined ? undefined : combineSignals([abortSignal], { timeoutMs });
    const toolContext =
      combined === undefined ? context : Object.assign({}, context, { abortSignal: combined.signal });
    const started = clock.now();
    let output: unknown;
    try {
      output = tool.execute(call.arguments, toolContext);
    } catch (error) {
      combined?.dispose();
      return toolFailure(call, error, clock.now() - started);
    }
    if (!isThenable(output)) {
      combined?.dispose();
      return succeeded(call, output, started);
    }
    const signal = combined?.signal ?? abortSignal;
    return new Promise<ToolResult>((resolve) => {
      let settled = false;
      const finish = (result: ToolResult) => {
        if (settled) return;
        settled = true;
        signal?.removeEventListener('abort', onAbort);
        combined?.dispose();
        resolve(result);
      };
      const onAbort = () => finish(abortFailure(call, signal?.reason, clock.now() - started));
      if (signal !== undefined) {
        if (signal.aborted) onAbort();
        else signal.addEventListener('abort', onAbort, { once: true });
      }
      output.then(
        (value) => finish(succeeded(call, value, started)),
        (error: unknown) => finish(toolFailure(call, error, clock.now() - started)),
      );
    });
  }

  function afterExecute(
    plan: Plan,
    call: ToolCall,
    result: ToolResult,
    context: MiddlewareContext,
  ): MaybePromise<ToolResult> {
    return plan.hasAfter ? runAfter(plan, plan.entries.length - 1, call, result, context) : result;
  }

  function proceed(
    plan: Plan,
    tool: Tool,
    outcome: BeforeOutcome,
    context: MiddlewareContext,
  ): MaybePromise<ToolResult> {
    if (!outcome.proceed) return outcome.result;
    const call = outcome.call;
    const result = runTool(plan, tool, call, context);
    if (isThenable<ToolResult>(result)) {
      return Promise.resolve(result).then((value) => afterExecute(plan, call, value, context));
    }
    return afterExecute(plan, call, result, context);
  }

  return Object.freeze({
    middlewares: Object.freeze(sorted),
    plan: planFor,
    before(call: ToolCall, context: MiddlewareContext): MaybePromise<BeforeOutcome> {
      return beforeAll(planFor(context.definition), call, context);
    },
    after(call: ToolCall, result: ToolResult, context: MiddlewareContext): MaybePromise<ToolResult> {
      return afterExecute(planFor(context.definition), call, result, context);
    },
    execute(tool: Tool, call: ToolCall, toolContext: ToolContext = EMPTY_CONTEXT): MaybePromise<ToolResult> {
      try {
        const definition = tool.definition;
        const plan = planFor(definition);
        // Object.assign, not spread: V8 takes a slow path for `{ ...object, extra }` (~10x slower here).
        const context = Object.assign({ definition }, toolContext) as MiddlewareContext;
        if (context.definition !== definition) context.definition = definition;
        const outcome = beforeAll(plan, call, context);
        if (isThenable<BeforeOutcome>(outcome)) {
          return Promise.resolve(outcome)
            .then((value) => proceed(plan, tool, value, context))
            .catch((error: unknown) => toolFailure(call, error, 0));
        }
        const result = proceed(plan, tool, outcome, context);
        if (isThenable<ToolResult>(result)) {
          return Promise.resolve(result).catch((error: unknown) => toolFailure(call, error, 0));
        }
        return result;
      } catch (error) {
        // Only reachable through a broken tool object (no definition) or a faulty callback; still a result.
        return toolFailure(call, error, 0);
      }
    },
  });
}
