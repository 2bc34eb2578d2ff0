import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { InvalidArgumentsError } from './errors.js';
import {
  checkToolParameters,
  isStandardJsonSchema,
  parseToolArguments,
  toJsonSchema,
  toolDefinitionSchema,
} from './schemas.js';
import { defineTool, type StandardJsonSchema } from './tools.js';

/** A Standard JSON Schema as valibot's toStandardJsonSchema or arktype make one. */
function standardJsonSchema(json: Record<string, unknown>): StandardJsonSchema<{ query: string }> {
  return {
    '~standard': {
      version: 1,
      vendor: 'valibot',
      validate: (value) => ({ value }),
      jsonSchema: { input: ({ target }) => ({ $schema: `https://json-schema.org/${target}`, ...json }) },
    },
  };
}

/** A Standard Schema with no JSON Schema form: a plain valibot schema, or zod 3's. */
const plainStandard = {
  '~standard': { version: 1, vendor: 'valibot', validate: (value: unknown) => ({ value }) },
};
const zod3Like = { _def: { typeName: 'ZodObject' }, safeParse: () => ({ success: true }), parse: () => ({}) };

describe('toJsonSchema', () => {
  it('passes a JSON Schema through unchanged', () => {
    const schema = { type: 'object', properties: { path: { type: 'string' } } };
    expect(toJsonSchema(schema)).toBe(schema);
  });

  it('converts a zod schema once and reuses the result', () => {
    const schema = z.object({ path: z.string().describe('file to read'), limit: z.number().optional() });
    const first = toJsonSchema(schema);
    expect(first).toMatchObject({
      type: 'object',
      properties: { path: { type: 'string', description: 'file to read' }, limit: { type: 'number' } },
      required: ['path'],
    });
    expect(first).not.toHaveProperty('$schema');
    expect(toJsonSchema(schema)).toBe(first);
  });
});

describe('parseToolArguments', () => {
  it('treats empty arguments as an empty object', () => {
    expect(parseToolArguments('list', '')).toEqual({});
  });

  it('parses an object', () => {
    expect(parseToolArguments('read', '{"path":"a.ts"}')).toEqual({ path: 'a.ts' });
  });

  it('names the tool when the JSON is broken', () => {
    expect(() => parseToolArguments('read', '{"path":')).toThrow(InvalidArgumentsError);
    expect(() => parseToolArguments('read', '{"path":')).toThrow(
      'arguments of tool "read" are not valid JSON',
    );
  });

  it('refuses JSON that is not an object', () => {
    expect(() => parseToolArguments('read', '[1]')).toThrow('must be a JSON object');
  });
});

describe('toolDefinitionSchema', () => {
  it('refuses a name providers would reject', () => {
    const result = toolDefinitionSchema.safeParse({ name: 'read file', description: '', parameters: {} });
    expect(result.success).toBe(false);
  });
});

describe('Standard JSON Schema parameters', () => {
  it('are converted through ~standard.jsonSchema.input (draft 2020-12), once, without $schema', () => {
    const schema = standardJsonSchema({ type: 'object', properties: { query: { type: 'string' } } });
    expect(isStandardJsonSchema(schema)).toBe(true);
    expect(isStandardJsonSchema(z.object({}))).toBe(false);
    const converted = toJsonSchema(schema);
    expect(converted).toEqual({ type: 'object', properties: { query: { type: 'string' } } });
    expect(toJsonSchema(schema)).toBe(converted);
  });
});

describe('checkToolParameters', () => {
  it('accepts JSON Schema, zod 4 and Standard JSON Schema', () => {
    expect(() => checkToolParameters('a', { type: 'object' })).not.toThrow();
    expect(() => checkToolParameters('a', z.object({ path: z.string() }))).not.toThrow();
    expect(() => checkToolParameters('a', standardJsonSchema({ type: 'object' }))).not.toThrow();
  });

  it('refuses a schema no JSON Schema can be derived from, naming the tool and the library', () => {
    expect(() => checkToolParameters('search', plainStandard)).toThrow(
      expect.objectContaining({
        code: 'INVALID_CONFIG',
        message: expect.stringMatching(
          /parameters of tool "search" is a valibot schema without a JSON Schema form/,
        ),
      }),
    );
    expect(() => checkToolParameters('search', zod3Like, 'tools[0].parameters')).toThrow(
      /tools\[0\]\.parameters of tool "search" is a zod 3 schema/,
    );
    expect(() => checkToolParameters('search', 'object')).toThrow(/got "object"/);
    expect(() => toJsonSchema(plainStandard as never)).toThrow(
      expect.objectContaining({ code: 'INVALID_CONFIG' }),
    );
  });
});

describe('defineTool', () => {
  it('returns the tool as it is', async () => {
    const tool = defineTool({
      definition: { name: 'echo', description: 'echo', parameters: z.object({ text: z.string() }) },
      execute: ({ text }) => text.toUpperCase(),
    });
    expect(await tool.execute({ text: 'hi' }, {})).toBe('HI');
  });
});
