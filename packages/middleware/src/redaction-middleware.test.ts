import type { ToolDefinition } from '@victor-ai/core';
import { describe, expect, it } from 'vitest';
import { createToolMiddlewareChain } from './chain.js';
import { createRedactionMiddleware } from './redaction-middleware.js';

const definition: ToolDefinition = { name: 'read_env', description: '', parameters: { type: 'object' } };
const call = { id: '1', name: 'read_env', arguments: {} };

describe('createRedactionMiddleware', () => {
  it('should redact secrets in outputs, leaving clean outputs untouched', () => {
    const chain = createToolMiddlewareChain([createRedactionMiddleware()]);
    const output = {
      lines: ['AWS_ACCESS_KEY_ID=AKIAIOSFODNN7EXAMPLE', 'PATH=/usr/bin'],
      password: 'hunter2',
    };
    expect(chain.execute({ definition, execute: () => output }, call)).toMatchObject({
      ok: true,
      output: {
        lines: ['AWS_ACCESS_KEY_ID=[REDACTED:aws-access-key-id]', 'PATH=/usr/bin'],
        password: '[REDACTED]',
      },
    });
    expect(output.lines[0]).toContain('AKIA');
    const clean = { text: 'nothing to see' };
    const result = chain.execute({ definition, execute: () => clean }, call);
    expect(result).toMatchObject({ ok: true });
    if (!('then' in result) && result.ok) expect(result.output).toBe(clean);
  });

  it('should redact secrets in error messages', () => {
    const chain = createToolMiddlewareChain([createRedactionMiddleware()]);
    const token = `ghp_${'x'.repeat(36)}`;
    const result = chain.execute(
      {
        definition,
        execute: () => {
          throw new Error(`auth failed for ${token}`);
        },
      },
      call,
    );
    expect(result).toMatchObject({
      ok: false,
      error: { message: 'auth failed for [REDACTED:github-token]' },
    });
  });
});
