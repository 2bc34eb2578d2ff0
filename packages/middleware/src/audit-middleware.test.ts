import { MiddlewarePriority, type ToolDefinition } from '@victor-ai/core';
import { describe, expect, it, vi } from 'vitest';
import { type AuditEntry, createAuditMiddleware } from './audit-middleware.js';
import { createToolMiddlewareChain } from './chain.js';
import { createSafetyMiddleware } from './safety-middleware.js';

const shell: ToolDefinition = {
  name: 'sh',
  description: '',
  parameters: { type: 'object' },
  tags: ['shell'],
};
const clock = { now: () => 0, epochMs: () => Date.UTC(2026, 10, 28) };

describe('createAuditMiddleware', () => {
  it('should log ok, error and blocked calls with redacted arguments', async () => {
    const entries: AuditEntry[] = [];
    const chain = createToolMiddlewareChain([
      createSafetyMiddleware({ secrets: 'allow' }),
      createAuditMiddleware({ log: (entry) => void entries.push(entry), clock }),
    ]);
    const tool = {
      definition: shell,
      execute: (args: Record<string, unknown>) => `ran ${String(args.command)}`,
    };
    await chain.execute(
      tool,
      { id: 'a', name: 'sh', arguments: { command: 'ls', token: 'abc' } },
      { tenantId: 't1' },
    );
    await chain.execute(tool, { id: 'b', name: 'sh', arguments: { command: 'rm -rf /' } });
    await chain.execute(
      {
        definition: shell,
        execute: () => {
          throw new Error('exit 1');
        },
      },
      { id: 'c', name: 'sh', arguments: { command: 'echo AKIAIOSFODNN7EXAMPLE' } },
    );
    expect(entries).toHaveLength(3);
    expect(entries[0]).toMatchObject({
      time: '2026-11-28T00:00:00.000Z',
      toolCallId: 'a',
      tool: 'sh',
      tenantId: 't1',
      outcome: 'ok',
      arguments: { command: 'ls', token: '[REDACTED]' },
    });
    expect(entries[1]).toMatchObject({
      outcome: 'blocked',
      errorCode: 'DANGEROUS_COMMAND',
      middleware: 'safety',
    });
    expect(entries[2]).toMatchObject({
      outcome: 'error',
      errorCode: 'TOOL_FAILED',
      arguments: { command: 'echo [REDACTED:aws-access-key-id]' },
    });
  });

  it('should run before critical guards by default', () => {
    const audit = createAuditMiddleware({ log: () => {} });
    expect(audit.priority).toBeLessThan(MiddlewarePriority.critical);
    expect(audit.kind).toBe('observer');
  });

  it('should never fail the call when the log throws or rejects', async () => {
    const onLogError = vi.fn();
    const chain = createToolMiddlewareChain([
      createAuditMiddleware({
        log: () => {
          throw new Error('disk full');
        },
        onLogError,
      }),
      createAuditMiddleware({
        name: 'audit-2',
        log: () => Promise.reject(new Error('remote down')),
        onLogError,
      }),
    ]);
    const result = chain.execute(
      { definition: shell, execute: () => 'ok' },
      { id: 'x', name: 'sh', arguments: {} },
    );
    expect(result).toMatchObject({ ok: true, output: 'ok' });
    await Promise.resolve();
    await Promise.resolve();
    expect(onLogError).toHaveBeenCalledTimes(2);
  });

  it('should reject a missing log', () => {
    expect(() => createAuditMiddleware({} as never)).toThrow('log must be a function');
  });
});
