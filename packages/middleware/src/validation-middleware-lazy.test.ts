import type { ToolDefinition } from '@victor-ai/core';
import { afterEach, describe, expect, it, vi } from 'vitest';

const definition: ToolDefinition = {
  name: 'read_file',
  description: 'reads a file',
  parameters: { type: 'object', properties: { path: { type: 'string' } }, required: ['path'] },
};

describe('createValidationMiddleware', () => {
  describe('loading ajv', () => {
    afterEach(() => {
      vi.doUnmock('ajv');
      vi.resetModules();
    });

    it('should load ajv on the first validation, not on import or construction, and only once', async () => {
      vi.resetModules();
      let loads = 0;
      vi.doMock('ajv', async (importOriginal) => {
        loads++;
        // ajv is CommonJS: its module.exports is the Ajv class itself, with Ajv as a property.
        const actual = await importOriginal<{ Ajv: unknown }>();
        return { Ajv: actual.Ajv, default: actual };
      });
      const { createValidationMiddleware } = await import('./validation-middleware.js');
      const middleware = createValidationMiddleware();
      expect(loads).toBe(0);
      const call = { id: '1', name: 'read_file', arguments: {} };
      const first = middleware.before!(call, { definition });
      expect(first).toBeInstanceOf(Promise);
      expect(await first).toMatchObject({ type: 'block', code: 'INVALID_ARGUMENTS' });
      expect(loads).toBe(1);
      // Once loaded, a call answers synchronously (no promise on the hot path).
      const second = middleware.before!({ ...call, arguments: { path: 'a.txt' } }, { definition });
      expect(second).toBeUndefined();
      expect(createValidationMiddleware().before!(call, { definition })).toMatchObject({ type: 'block' });
      expect(loads).toBe(1);
    });
  });
});
