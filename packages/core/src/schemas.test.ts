import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { InvalidArgumentsError } from './errors.js';
import { parseToolArguments, toJsonSchema, toolDefinitionSchema } from './schemas.js';

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
