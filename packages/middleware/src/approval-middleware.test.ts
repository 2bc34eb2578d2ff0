import type { ToolDefinition } from '@victor-ai/core';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { createApprovalMiddleware } from './approval-middleware.js';
import { createToolMiddlewareChain } from './chain.js';

const definition: ToolDefinition = { name: 'deploy', description: '', parameters: { type: 'object' } };
const call = (env: string) => ({ id: '1', name: 'deploy', arguments: { env } });

afterEach(() => {
  vi.useRealTimers();
});

describe('createApprovalMiddleware', () => {
  it('should ask only about flagged calls and run approved ones', async () => {
    const approve = vi.fn(async () => true);
    const chain = createToolMiddlewareChain([
      createApprovalMiddleware({ approve, when: (c) => c.arguments.env === 'production' }),
    ]);
    const execute = vi.fn(() => 'deployed');
    expect(chain.execute({ definition, execute }, call('staging'))).toMatchObject({ ok: true });
    expect(approve).not.toHaveBeenCalled();
    expect(await chain.execute({ definition, execute }, call('production'))).toMatchObject({ ok: true });
    expect(approve).toHaveBeenCalledOnce();
  });

  it('should block a denied call with the approver reason', async () => {
    const chain = createToolMiddlewareChain([
      createApprovalMiddleware({ approve: async () => ({ approved: false, reason: 'change freeze' }) }),
    ]);
    const execute = vi.fn();
    const result = await chain.execute({ definition, execute }, call('production'));
    expect(result).toMatchObject({ ok: false, error: { code: 'APPROVAL_DENIED', middleware: 'approval' } });
    if (!result.ok) expect(result.error.message).toContain('change freeze');
    expect(execute).not.toHaveBeenCalled();
  });

  it('should deny when no answer comes in time', async () => {
    vi.useFakeTimers();
    const chain = createToolMiddlewareChain([
      createApprovalMiddleware({ approve: () => new Promise(() => {}), timeoutMs: 1_000 }),
    ]);
    const pending = chain.execute({ definition, execute: () => 'x' }, call('production'));
    await vi.advanceTimersByTimeAsync(1_000);
    const result = await pending;
    expect(result).toMatchObject({ ok: false, error: { code: 'APPROVAL_DENIED' } });
    if (!result.ok) expect(result.error.message).toContain('no answer within 1000 ms');
  });

  it('should fail closed when the approver throws', async () => {
    const chain = createToolMiddlewareChain([
      createApprovalMiddleware({ approve: () => Promise.reject(new Error('approver down')) }),
    ]);
    expect(await chain.execute({ definition, execute: () => 'x' }, call('production'))).toMatchObject({
      ok: false,
      error: { code: 'MIDDLEWARE_FAILED' },
    });
  });

  it('should reject bad options', () => {
    expect(() => createApprovalMiddleware({ approve: () => true, timeoutMs: -5 })).toThrow('timeoutMs');
  });
});
