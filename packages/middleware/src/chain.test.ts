import {
  InvalidConfigError,
  type MiddlewareContext,
  MiddlewarePriority,
  type Tool,
  type ToolCall,
  type ToolDefinition,
  type ToolMiddleware,
  type ToolResult,
  VictorError,
} from '@victor-ai/core';
import fc from 'fast-check';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { createToolMiddlewareChain, middlewareApplies } from './chain.js';

const definition: ToolDefinition = {
  name: 'read_file',
  description: 'reads a file',
  parameters: { type: 'object', properties: { path: { type: 'string' } } },
  category: 'filesystem',
  tags: ['fs', 'read'],
};

function makeTool(execute: Tool['execute'] = (args) => ({ echoed: args }), def = definition): Tool {
  return { definition: def, execute };
}

const call: ToolCall = { id: 'call-1', name: 'read_file', arguments: { path: 'a.txt' } };
const context = (def = definition): MiddlewareContext => ({ definition: def });

function recorder(log: string[], name: string, priority?: number, extra: Partial<ToolMiddleware> = {}) {
  const middleware: ToolMiddleware = {
    name,
    before() {
      log.push(`before:${name}`);
      return undefined;
    },
    after() {
      log.push(`after:${name}`);
      return undefined;
    },
    ...extra,
  };
  if (priority !== undefined) middleware.priority = priority;
  return middleware;
}

afterEach(() => {
  vi.useRealTimers();
});

describe('createToolMiddlewareChain', () => {
  describe('order', () => {
    it('should run lower priorities first (docs/decisions.md, "Middleware order")', () => {
      const log: string[] = [];
      const chain = createToolMiddlewareChain([
        recorder(log, 'deferred', MiddlewarePriority.deferred),
        recorder(log, 'low', MiddlewarePriority.low),
        recorder(log, 'critical', MiddlewarePriority.critical),
        recorder(log, 'normal'),
        recorder(log, 'high', MiddlewarePriority.high),
      ]);
      expect(chain.middlewares.map((m) => m.name)).toEqual(['critical', 'high', 'normal', 'low', 'deferred']);
      chain.before(call, context());
      expect(log).toEqual([
        'before:critical',
        'before:high',
        'before:normal',
        'before:low',
        'before:deferred',
      ]);
    });

    it('should keep registration order for equal priorities', () => {
      const log: string[] = [];
      const chain = createToolMiddlewareChain([
        recorder(log, 'b', 10),
        recorder(log, 'a', 10),
        recorder(log, 'first', 5),
        recorder(log, 'c', 10),
      ]);
      chain.before(call, context());
      expect(log).toEqual(['before:first', 'before:b', 'before:a', 'before:c']);
    });

    it('should order any set of priorities as a stable ascending sort', () => {
      fc.assert(
        fc.property(fc.array(fc.integer({ min: -5, max: 5 }), { maxLength: 12 }), (priorities) => {
          const middlewares = priorities.map((priority, index) => ({ name: `m${index}`, priority }));
          const chain = createToolMiddlewareChain(middlewares);
          const order = chain.middlewares.map((m) => Number(m.name.slice(1)));
          for (let i = 1; i < order.length; i++) {
            const previous = order[i - 1]!;
            const current = order[i]!;
            const pa = priorities[previous]!;
            const pb = priorities[current]!;
            expect(pa < pb || (pa === pb && previous < current)).toBe(true);
          }
          expect(order.length).toBe(priorities.length);
        }),
      );
    });

    it('should run after hooks in reverse order, the first middleware seeing the result last', async () => {
      const log: string[] = [];
      const chain = createToolMiddlewareChain([recorder(log, 'outer', 0), recorder(log, 'inner', 50)]);
      await chain.execute(
        makeTool(() => {
          log.push('tool');
          return 'ok';
        }),
        call,
      );
      expect(log).toEqual(['before:outer', 'before:inner', 'tool', 'after:inner', 'after:outer']);
    });
  });

  describe('scope', () => {
    it('should skip middlewares that do not apply to the tool', () => {
      const log: string[] = [];
      const chain = createToolMiddlewareChain([
        recorder(log, 'by-name', 0, { appliesTo: { names: ['read_file'] } }),
        recorder(log, 'other-name', 0, { appliesTo: { names: ['write_file'] } }),
        recorder(log, 'by-tag', 0, { appliesTo: { tags: ['read'] } }),
        recorder(log, 'other-tag', 0, { appliesTo: { tags: ['shell'] } }),
        recorder(log, 'by-category', 0, { appliesTo: { categories: ['filesystem'] } }),
        recorder(log, 'by-predicate', 0, { appliesTo: { predicate: (d) => d.name.startsWith('read') } }),
        recorder(log, 'false-predicate', 0, { appliesTo: { predicate: () => false } }),
        recorder(log, 'everything', 0),
      ]);
      expect(chain.plan(definition).middlewares.map((m) => m.name)).toEqual([
        'by-name',
        'by-tag',
        'by-category',
        'by-predicate',
        'everything',
      ]);
      chain.before(call, context());
      expect(log).not.toContain('before:other-name');
      expect(log).not.toContain('before:other-tag');
      expect(log).not.toContain('before:false-predicate');
    });

    it('middlewareApplies treats an empty scope as every tool', () => {
      expect(middlewareApplies({ name: 'x', appliesTo: {} }, definition)).toBe(true);
      expect(middlewareApplies({ name: 'x', appliesTo: { tags: ['nope'] } }, definition)).toBe(false);
    });

    it('should keep a middleware whose predicate throws (a guard is not skipped by accident)', () => {
      const onMiddlewareError = vi.fn();
      const chain = createToolMiddlewareChain(
        [
          {
            name: 'broken-scope',
            appliesTo: {
              predicate: () => {
                throw new Error('boom');
              },
            },
          },
        ],
        { onMiddlewareError },
      );
      expect(chain.plan(definition).middlewares).toHaveLength(1);
      expect(onMiddlewareError).toHaveBeenCalledWith(
        expect.any(Error),
        expect.objectContaining({ phase: 'appliesTo' }),
      );
    });
  });

  describe('plan caching', () => {
    it('should compute the plan once per tool and reuse it', () => {
      const predicate = vi.fn(() => true);
      const chain = createToolMiddlewareChain([
        { name: 'p', appliesTo: { predicate }, before: () => undefined },
      ]);
      for (let i = 0; i < 5; i++) chain.before(call, context());
      expect(predicate).toHaveBeenCalledTimes(1);
      expect(chain.plan(definition)).toBe(chain.plan(definition));
    });

    it('should recompute when a tool of the same name comes with a new definition', () => {
      const predicate = vi.fn((d: ToolDefinition) => d.tags?.includes('shell') === true);
      const chain = createToolMiddlewareChain([{ name: 'p', appliesTo: { predicate } }]);
      expect(chain.plan(definition).middlewares).toHaveLength(0);
      const redefined = { ...definition, tags: ['shell'] };
      expect(chain.plan(redefined).middlewares).toHaveLength(1);
      expect(predicate).toHaveBeenCalledTimes(2);
    });
  });

  describe('synchronous fast path', () => {
    it('should answer without a promise when every hook and the tool are synchronous', () => {
      const chain = createToolMiddlewareChain([
        { name: 'a', before: () => ({ type: 'pass' }) },
        { name: 'b', before: () => undefined, after: () => undefined },
      ]);
      const outcome = chain.before(call, context());
      expect(outcome).not.toBeInstanceOf(Promise);
      expect(outcome).toEqual({ proceed: true, call });
      const result = chain.execute(makeTool(), call);
      expect(result).not.toBeInstanceOf(Promise);
      expect(result).toMatchObject({ ok: true, output: { echoed: call.arguments } });
    });

    it('should switch to a promise only from the first asynchronous hook on', async () => {
      const log: string[] = [];
      const chain = createToolMiddlewareChain([
        recorder(log, 'sync-1', 0),
        { name: 'async', priority: 1, before: async () => undefined },
        recorder(log, 'sync-2', 2),
      ]);
      const outcome = chain.before(call, context());
      expect(outcome).toBeInstanceOf(Promise);
      expect(log).toEqual(['before:sync-1']);
      await expect(outcome).resolves.toEqual({ proceed: true, call });
      expect(log).toEqual(['before:sync-1', 'before:sync-2']);
    });
  });

  describe('rewrite', () => {
    it('should hand rewritten arguments to later middlewares and the tool', async () => {
      const seen: unknown[] = [];
      const chain = createToolMiddlewareChain([
        {
          name: 'normalise',
          priority: 0,
          before: (c) => ({ type: 'rewrite', arguments: { path: `./${c.arguments.path}` } }),
        },
        {
          name: 'observe',
          priority: 1,
          before: async (c) => {
            seen.push(c.arguments);
            return { type: 'rewrite', arguments: { ...c.arguments, extra: true } };
          },
        },
      ]);
      const execute = vi.fn((args: Record<string, unknown>) => args);
      const result = await chain.execute(makeTool(execute), call);
      expect(seen).toEqual([{ path: './a.txt' }]);
      expect(execute).toHaveBeenCalledWith({ path: './a.txt', extra: true }, expect.anything());
      expect(result).toMatchObject({
        ok: true,
        output: { path: './a.txt', extra: true },
        toolCallId: 'call-1',
      });
      expect(call.arguments).toEqual({ path: 'a.txt' });
    });

    it('should let after hooks rewrite the result', async () => {
      const chain = createToolMiddlewareChain([
        {
          name: 'upper',
          after: (_c, r) => (r.ok ? { ...r, output: String(r.output).toUpperCase() } : undefined),
        },
      ]);
      expect(
        await chain.execute(
          makeTool(() => 'hello'),
          call,
        ),
      ).toMatchObject({ ok: true, output: 'HELLO' });
    });
  });

  describe('short-circuit', () => {
    it('should stop at the first block: later middlewares and the tool do not run', async () => {
      const log: string[] = [];
      const execute = vi.fn(() => 'never');
      const chain = createToolMiddlewareChain([
        recorder(log, 'outer', 0),
        {
          name: 'blocker',
          priority: 10,
          before: () => ({ type: 'block', code: 'NOPE', reason: 'not allowed here' }),
        },
        recorder(log, 'later', 20),
      ]);
      const result = await chain.execute(makeTool(execute), call);
      expect(result).toEqual({
        toolCallId: 'call-1',
        name: 'read_file',
        ok: false,
        error: { code: 'NOPE', message: 'not allowed here', middleware: 'blocker' },
      });
      expect(execute).not.toHaveBeenCalled();
      expect(log).toEqual(['before:outer', 'after:outer']);
    });

    it('should stop at an asynchronous block too', async () => {
      const later = vi.fn(() => undefined);
      const chain = createToolMiddlewareChain([
        { name: 'blocker', before: async () => ({ type: 'block', code: 'LATER', reason: 'denied' }) },
        { name: 'later', priority: 99, before: later },
      ]);
      const outcome = await chain.before(call, context());
      expect(outcome).toMatchObject({ proceed: false, result: { ok: false, error: { code: 'LATER' } } });
      expect(later).not.toHaveBeenCalled();
    });
  });

  describe('failures', () => {
    const boom = () => {
      throw new Error('boom');
    };

    it('should fail closed when a guard throws', async () => {
      const execute = vi.fn();
      const onMiddlewareError = vi.fn();
      const chain = createToolMiddlewareChain([{ name: 'guard', kind: 'guard', before: boom }], {
        onMiddlewareError,
      });
      const result = await chain.execute(makeTool(execute), call);
      expect(result).toMatchObject({ ok: false, error: { code: 'MIDDLEWARE_FAILED', middleware: 'guard' } });
      expect(execute).not.toHaveBeenCalled();
      expect(onMiddlewareError).toHaveBeenCalledWith(
        expect.objectContaining({ message: 'boom' }),
        expect.objectContaining({ middleware: 'guard', phase: 'before', kind: 'guard' }),
      );
    });

    it('should treat a middleware without kind as a guard', async () => {
      const chain = createToolMiddlewareChain([{ name: 'default', before: boom }]);
      expect(await chain.execute(makeTool(), call)).toMatchObject({ ok: false });
    });

    it('should fail closed when a guard rejects asynchronously', async () => {
      const chain = createToolMiddlewareChain([
        { name: 'guard', before: () => Promise.reject(new Error('late boom')) },
      ]);
      const result = await chain.execute(makeTool(), call);
      expect(result).toMatchObject({ ok: false, error: { code: 'MIDDLEWARE_FAILED' } });
      if (!result.ok) expect(result.error.message).toContain('late boom');
    });

    it('should fail open when an observer throws or rejects', async () => {
      const chain = createToolMiddlewareChain([
        { name: 'sync-observer', kind: 'observer', before: boom, after: boom },
        { name: 'async-observer', kind: 'observer', before: () => Promise.reject(new Error('x')) },
      ]);
      await expect(
        chain.execute(
          makeTool(() => 42),
          call,
        ),
      ).resolves.toMatchObject({ ok: true, output: 42 });
    });

    it('should drop the result when a guard fails in after (it may be what removes a secret)', async () => {
      const chain = createToolMiddlewareChain([{ name: 'redactor', after: boom }]);
      expect(
        await chain.execute(
          makeTool(() => 'secret'),
          call,
        ),
      ).toMatchObject({
        ok: false,
        error: { code: 'MIDDLEWARE_FAILED', middleware: 'redactor' },
      });
    });

    it('should treat an unknown decision as a fault of the middleware', async () => {
      const chain = createToolMiddlewareChain([
        // @ts-expect-error: a decision that is not one of the three shapes
        { name: 'bad', before: () => ({ type: 'maybe' }) },
      ]);
      expect(await chain.execute(makeTool(), call)).toMatchObject({
        ok: false,
        error: { code: 'MIDDLEWARE_FAILED' },
      });
    });

    it('should turn tool errors into results, keeping a VictorError code', async () => {
      const chain = createToolMiddlewareChain([]);
      const sync = chain.execute(
        makeTool(() => {
          throw new Error('disk full');
        }),
        call,
      );
      expect(sync).toMatchObject({ ok: false, error: { code: 'TOOL_FAILED', message: 'disk full' } });
      const victor = await chain.execute(
        makeTool(async () => {
          throw new VictorError('HTTP_STATUS', { message: 'upstream 503' });
        }),
        call,
      );
      expect(victor).toMatchObject({ ok: false, error: { code: 'HTTP_STATUS', message: 'upstream 503' } });
    });
  });

  describe('timeouts and aborts', () => {
    it('should time a slow tool out with a TIMEOUT result and abort its signal', async () => {
      vi.useFakeTimers();
      let toolSignal: AbortSignal | undefined;
      const chain = createToolMiddlewareChain([], { timeoutMs: 1_000, toolTimeoutsMs: { read_file: 50 } });
      expect(chain.plan(definition).timeoutMs).toBe(50);
      const pending = chain.execute(
        makeTool((_args, ctx) => {
          toolSignal = ctx.abortSignal;
          return new Promise(() => {});
        }),
        call,
      );
      await vi.advanceTimersByTimeAsync(50);
      await expect(pending).resolves.toMatchObject({ ok: false, error: { code: 'TIMEOUT' } });
      expect(toolSignal?.aborted).toBe(true);
    });

    it('should return the tool result when it finishes in time', async () => {
      vi.useFakeTimers();
      const chain = createToolMiddlewareChain([], { timeoutMs: 100 });
      const pending = chain.execute(
        makeTool(() => new Promise((resolve) => setTimeout(() => resolve('done'), 10))),
        call,
      );
      await vi.advanceTimersByTimeAsync(10);
      await expect(pending).resolves.toMatchObject({ ok: true, output: 'done' });
      expect(vi.getTimerCount()).toBe(0);
    });

    it('should not run the tool when the caller has aborted already, and stop waiting on abort', async () => {
      const chain = createToolMiddlewareChain([]);
      const execute = vi.fn();
      const controller = new AbortController();
      controller.abort();
      expect(chain.execute(makeTool(execute), call, { abortSignal: controller.signal })).toMatchObject({
        ok: false,
        error: { code: 'ABORTED' },
      });
      expect(execute).not.toHaveBeenCalled();
      const later = new AbortController();
      const pending = chain.execute(
        makeTool(() => new Promise(() => {})),
        call,
        { abortSignal: later.signal },
      );
      later.abort();
      await expect(pending).resolves.toMatchObject({ ok: false, error: { code: 'ABORTED' } });
    });
  });

  describe('durations', () => {
    it('should set durationMs from the clock, or leave it out when told not to measure', async () => {
      let now = 100;
      const clock = { now: () => now, epochMs: () => 0 };
      const slow = makeTool(() => {
        now += 7;
        return 'done';
      });
      expect(createToolMiddlewareChain([], { clock }).execute(slow, call)).toMatchObject({
        ok: true,
        durationMs: 7,
      });
      const unmeasured = createToolMiddlewareChain([], { clock, measureDuration: false }).execute(slow, call);
      expect(unmeasured).toEqual({ toolCallId: 'call-1', name: 'read_file', ok: true, output: 'done' });
    });
  });

  describe('context', () => {
    it('should give hooks the tool definition and the caller context', () => {
      let seen: MiddlewareContext | undefined;
      const chain = createToolMiddlewareChain([
        {
          name: 'ctx',
          before: (_c, ctx) => {
            seen = ctx;
            return undefined;
          },
        },
      ]);
      chain.execute(makeTool(), call, { tenantId: 't1' });
      expect(seen).toMatchObject({ tenantId: 't1', definition });
    });
  });

  describe('options', () => {
    it.each([
      [[{ name: '' }], 'middlewares[0].name'],
      [[{ name: 'a', priority: Number.NaN }], 'middlewares[0].priority'],
      [[{ name: 'a', kind: 'judge' }], 'middlewares[0].kind'],
      [[{ name: 'a', before: 'x' }], 'middlewares[0].before'],
      [[{ name: 'a', appliesTo: { tags: 'shell' } }], 'middlewares[0].appliesTo.tags'],
      [[{ name: 'a' }, { name: 'a' }], 'middlewares[1].name'],
    ])('should reject %j naming %s', (middlewares, option) => {
      const attempt = () => createToolMiddlewareChain(middlewares as unknown as ToolMiddleware[]);
      expect(attempt).toThrow(InvalidConfigError);
      expect(attempt).toThrow(option);
    });

    it('should reject a bad timeout', () => {
      expect(() => createToolMiddlewareChain([], { timeoutMs: 0 })).toThrow('timeoutMs must be');
      expect(() => createToolMiddlewareChain([], { toolTimeoutsMs: { x: -1 } })).toThrow('toolTimeoutsMs.x');
    });
  });

  describe('metrics', () => {
    it('should count blocks and middleware errors', async () => {
      const increment = vi.fn();
      const chain = createToolMiddlewareChain(
        [
          { name: 'observer', kind: 'observer', before: () => Promise.reject(new Error('x')) },
          { name: 'blocker', priority: 60, before: () => ({ type: 'block', code: 'NO', reason: 'no' }) },
        ],
        { metrics: { increment, gauge: vi.fn(), observe: vi.fn() } },
      );
      const result: ToolResult = await chain.execute(makeTool(), call);
      expect(result.ok).toBe(false);
      expect(increment).toHaveBeenCalledWith('victor_middleware_errors_total', {
        middleware: 'observer',
      });
      expect(increment).toHaveBeenCalledWith('victor_middleware_blocks_total', {
        middleware: 'blocker',
        reason: 'NO',
      });
    });
  });
});

describe('createToolMiddlewareChain, a rewrite after a guard', () => {
  const shell: Tool = {
    definition: { name: 'run_shell', description: 'runs', parameters: {}, tags: ['shell'] },
    execute: vi.fn(() => 'ran'),
  };
  const shellCall: ToolCall = { id: 'c', name: 'run_shell', arguments: { command: 'make clean' } };

  it('is judged again by the guards that ran before it', async () => {
    const { createSafetyMiddleware } = await import('./safety-middleware.js');
    const chain = createToolMiddlewareChain([
      createSafetyMiddleware({ workspaceRoot: '/srv/ws' }),
      {
        name: 'expand-alias',
        priority: 90,
        before: () => ({ type: 'rewrite', arguments: { command: 'rm -rf /' } }),
      },
    ]);
    const result = await chain.execute(shell, shellCall);
    expect(result).toMatchObject({ ok: false, error: { code: 'DANGEROUS_COMMAND' } });
    expect(shell.execute).not.toHaveBeenCalled();
  });

  it('does not count the call twice in a rate limit', async () => {
    const { createRateLimitMiddleware } = await import('./rate-limit-middleware.js');
    const limiter = createRateLimitMiddleware({ limit: { capacity: 1, refillPerSecond: 0.001 } });
    const chain = createToolMiddlewareChain([
      limiter,
      {
        name: 'normalise',
        priority: 90,
        before: (c) => ({ type: 'rewrite', arguments: { ...c.arguments, n: 1 } }),
      },
    ]);
    const result = await chain.execute(
      makeTool(() => 'ok', { ...definition, name: 'run_shell' }),
      shellCall,
    );
    expect(result).toMatchObject({ ok: true, output: 'ok' });
  });
});
