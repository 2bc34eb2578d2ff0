import {
  InvalidConfigError,
  type MiddlewareContext,
  type MiddlewareDecision,
  type ToolDefinition,
} from '@victor-ai/core';
import fc from 'fast-check';
import { describe, expect, it, vi } from 'vitest';
import { z } from 'zod';
import { createToolMiddlewareChain } from './chain.js';
import { createValidationMiddleware } from './validation-middleware.js';

/** A definition that counts how often its `parameters` are read (each read is a schema compile's input). */
function readCountingDefinition(name: string, parameters: object) {
  const reads = { count: 0 };
  const definition = {
    name,
    description: '',
    get parameters() {
      reads.count++;
      return parameters;
    },
  } as ToolDefinition;
  return { definition, reads };
}

const jsonTool: ToolDefinition = {
  name: 'write_file',
  description: 'writes a file',
  parameters: {
    type: 'object',
    properties: {
      path: { type: 'string' },
      mode: { enum: ['overwrite', 'append'] },
      lines: { type: 'array', items: { type: 'integer' } },
    },
    required: ['path'],
    additionalProperties: false,
  },
};

const zodTool: ToolDefinition = {
  name: 'search',
  description: 'searches',
  parameters: z.object({ query: z.string().min(1), limit: z.number().int().max(50).optional() }),
};

async function run(definition: ToolDefinition, args: Record<string, unknown>) {
  const middleware = createValidationMiddleware();
  const context: MiddlewareContext = { definition };
  // The first call of a middleware may wait for ajv to load (a promise); later ones answer synchronously.
  return (await middleware.before!({ id: '1', name: definition.name, arguments: args }, context)) as
    | MiddlewareDecision
    | undefined;
}

function reasonOf(decision: MiddlewareDecision | undefined): string {
  expect(decision).toMatchObject({ type: 'block', code: 'INVALID_ARGUMENTS' });
  return decision?.type === 'block' ? decision.reason : '';
}

describe('createValidationMiddleware', () => {
  it('should pass valid arguments (JSON Schema and zod)', async () => {
    expect(await run(jsonTool, { path: 'a.txt', mode: 'append', lines: [1, 2] })).toBeUndefined();
    expect(await run(zodTool, { query: 'x', limit: 5 })).toBeUndefined();
  });

  it('should name each bad argument and what was expected', async () => {
    const reason = reasonOf(await run(jsonTool, { mode: 'replace', lines: [1, 'two'], extra: true }));
    expect(reason).toContain('tool "write_file"');
    expect(reason).toContain('missing required argument "path"');
    expect(reason).toContain('argument "mode" must be one of ["overwrite","append"]');
    expect(reason).toContain('argument "lines[1]" must be integer');
    expect(reason).toContain('unknown argument "extra"');
  });

  it('should validate zod schemas through their JSON Schema', async () => {
    const reason = reasonOf(await run(zodTool, { query: '', limit: 500 }));
    expect(reason).toContain('argument "query"');
    expect(reason).toContain('argument "limit"');
  });

  it('should compile each tool schema once', async () => {
    const middleware = createValidationMiddleware();
    const { definition, reads } = readCountingDefinition('counted', {
      type: 'object',
      properties: { n: { type: 'number' } },
    });
    const chain = createToolMiddlewareChain([middleware]);
    const tool = { definition, execute: vi.fn(() => 'ok') };
    for (let i = 0; i < 10; i++)
      await chain.execute(tool, { id: `${i}`, name: 'counted', arguments: { n: i } });
    expect(reads.count).toBe(1);
    expect(tool.execute).toHaveBeenCalledTimes(10);
  });

  it('should compile in prepare(), so that the first call compiles nothing and answers synchronously', async () => {
    const middleware = createValidationMiddleware();
    const { definition, reads } = readCountingDefinition('prepared', {
      type: 'object',
      properties: { n: { type: 'number' } },
      required: ['n'],
    });
    middleware.prepare!(definition);
    // prepare may first have to load ajv; it compiles as soon as ajv is in.
    await vi.waitFor(() => expect(reads.count).toBe(1));
    const decision = middleware.before!({ id: '1', name: 'prepared', arguments: {} }, { definition });
    expect(decision).not.toBeInstanceOf(Promise);
    expect(reasonOf(decision as MiddlewareDecision)).toContain('missing required argument "n"');
    expect(reads.count).toBe(1);
  });

  it('should validate a Standard JSON Schema through its draft 2020-12 JSON Schema', async () => {
    const standard: ToolDefinition = {
      name: 'lookup',
      description: '',
      parameters: {
        '~standard': {
          version: 1,
          vendor: 'valibot',
          validate: (value: unknown) => ({ value }),
          jsonSchema: {
            input: () => ({
              $schema: 'https://json-schema.org/draft/2020-12/schema',
              type: 'object',
              // prefixItems is a draft 2020-12 keyword: draft 7 would ignore it.
              properties: {
                id: { type: 'integer' },
                pair: { type: 'array', prefixItems: [{ type: 'string' }] },
              },
              required: ['id'],
            }),
          },
        },
      },
    };
    expect(await run(standard, { id: 3 })).toBeUndefined();
    expect(reasonOf(await run(standard, { id: 'three' }))).toContain('argument "id" must be integer');
    expect(reasonOf(await run(standard, { id: 1, pair: [2] }))).toContain(
      'argument "pair[0]" must be string',
    );
  });

  it('should fail closed on a schema that cannot be compiled', async () => {
    const broken: ToolDefinition = { name: 'broken', description: '', parameters: { type: 'no-such-type' } };
    const chain = createToolMiddlewareChain([createValidationMiddleware()]);
    const execute = vi.fn();
    const result = await chain.execute(
      { definition: broken, execute },
      { id: '1', name: 'broken', arguments: {} },
    );
    expect(result).toMatchObject({
      ok: false,
      error: { code: 'MIDDLEWARE_FAILED', middleware: 'validation' },
    });
    expect(execute).not.toHaveBeenCalled();
  });

  it('should agree with the schema on arbitrary values (property)', async () => {
    await fc.assert(
      fc.asyncProperty(fc.anything(), async (path) => {
        const decision = await run(jsonTool, { path });
        expect(decision === undefined).toBe(typeof path === 'string');
      }),
    );
  });

  it('should cap the reasons at maxErrors', async () => {
    const middleware = createValidationMiddleware({ maxErrors: 1 });
    const decision = (await middleware.before!(
      { id: '1', name: 'write_file', arguments: { a: 1, b: 2, c: 3 } },
      { definition: jsonTool },
    )) as MiddlewareDecision;
    expect(reasonOf(decision)).toMatch(/and \d+ more/);
  });

  it('should reject bad options', () => {
    expect(() => createValidationMiddleware({ maxErrors: 0 })).toThrow(InvalidConfigError);
  });
});
