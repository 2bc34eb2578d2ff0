import { InvalidConfigError, type Tool } from '@victor-ai/core';
import fc from 'fast-check';
import { describe, expect, it, vi } from 'vitest';
import { z } from 'zod';
import { ToolRegistry } from './tool-registry.js';

const weather = {
  name: 'get_weather',
  description: 'Current weather for a city.',
  parameters: { type: 'object', properties: { city: { type: 'string' } } },
};

describe('ToolRegistry', () => {
  describe('version', () => {
    it('changes with every add, remove and clear that changes the set', () => {
      const registry = new ToolRegistry();
      expect(registry.version).toBe(0);
      registry.add(weather);
      expect(registry.version).toBe(1);
      registry.remove('missing');
      expect(registry.version).toBe(1);
      expect(registry.remove('get_weather')).toBe(1);
      expect(registry.version).toBe(2);
      registry.clear();
      expect(registry.version).toBe(2);
      registry.add([weather, { ...weather, name: 'other' }]);
      expect(registry.version).toBe(3);
      registry.clear();
      expect(registry.version).toBe(4);
      expect(registry.size).toBe(0);
    });

    it('tells subscribers the new version until they unsubscribe', () => {
      const registry = new ToolRegistry();
      const listener = vi.fn();
      const stop = registry.subscribe(listener);
      registry.add(weather);
      stop();
      registry.remove('get_weather');
      expect(listener).toHaveBeenCalledTimes(1);
      expect(listener).toHaveBeenCalledWith(1);
    });
  });

  describe('add', () => {
    it('replaces a tool of the same name', () => {
      const registry = new ToolRegistry([weather]);
      registry.add({ ...weather, description: 'new' });
      expect(registry.size).toBe(1);
      expect(registry.get('get_weather')?.definition.description).toBe('new');
    });

    it('converts zod parameters to JSON Schema once', () => {
      const registry = new ToolRegistry([
        { name: 'search', description: 'Search.', parameters: z.object({ query: z.string() }) },
      ]);
      expect(registry.get('search')?.parameters).toMatchObject({
        type: 'object',
        properties: { query: { type: 'string' } },
      });
    });

    it('keeps the executable tool when given a Tool', () => {
      const tool: Tool = { definition: weather, execute: () => 'sunny' };
      const registry = new ToolRegistry([tool]);
      expect(registry.get('get_weather')?.tool).toBe(tool);
    });

    it.each([
      [{ ...weather, name: 'bad name!' }, /tool "bad name!": name must match/],
      [{ ...weather, description: 3 }, /tool "get_weather": description must be a string/],
      [{ ...weather, parameters: 'x' }, /tool "get_weather": parameters must be a JSON Schema object/],
      [{ ...weather, parameters: { type: 'string' } }, /tool "get_weather": parameters must be/],
      [{ ...weather, tags: [1] }, /tool "get_weather": tags must be an array of strings/],
      [{ ...weather, readOnly: 'yes' }, /tool "get_weather": readOnly must be a boolean/],
    ])('rejects a bad definition with an error naming the tool (%#)', (definition, message) => {
      const registry = new ToolRegistry();
      const attempt = () => registry.add(definition as never);
      expect(attempt).toThrow(InvalidConfigError);
      expect(attempt).toThrow(message);
    });

    it('adds nothing when one definition of a batch is bad', () => {
      const registry = new ToolRegistry();
      expect(() => registry.add([weather, { ...weather, name: '' }])).toThrow(InvalidConfigError);
      expect(registry.size).toBe(0);
      expect(registry.version).toBe(0);
    });

    it('rejects a name given twice in one batch', () => {
      expect(() => new ToolRegistry([weather, weather])).toThrow(/appears twice/);
    });
  });

  describe('list', () => {
    it('returns the same frozen array until the set changes', () => {
      const registry = new ToolRegistry([weather]);
      const first = registry.list();
      expect(registry.list()).toBe(first);
      expect(Object.isFrozen(first)).toBe(true);
      registry.add({ ...weather, name: 'b' });
      expect(registry.list()).not.toBe(first);
      expect(registry.list().map((tool) => tool.definition.name)).toEqual(['get_weather', 'b']);
    });
  });
});

describe('ToolRegistry (properties)', () => {
  it('matches a plain map model under any sequence of adds and removes, bumping version only on change', () => {
    const nameArbitrary = fc.constantFrom('a', 'b', 'c', 'd_e', 'f.g');
    const operation = fc.oneof(
      fc.record({
        type: fc.constant('add' as const),
        names: fc.uniqueArray(nameArbitrary, { maxLength: 3 }),
      }),
      fc.record({ type: fc.constant('remove' as const), names: fc.array(nameArbitrary, { maxLength: 3 }) }),
      fc.record({ type: fc.constant('clear' as const), names: fc.constant([] as string[]) }),
    );
    fc.assert(
      fc.property(fc.array(operation, { maxLength: 20 }), (operations) => {
        const registry = new ToolRegistry();
        const model = new Set<string>();
        let version = 0;
        for (const { type, names } of operations) {
          if (type === 'add') {
            registry.add(names.map((name) => ({ ...weather, name })));
            for (const name of names) model.add(name);
            if (names.length > 0) version++;
          } else if (type === 'remove') {
            const present = new Set(names.filter((name) => model.has(name)));
            registry.remove(names);
            for (const name of present) model.delete(name);
            if (present.size > 0) version++;
          } else {
            if (model.size > 0) version++;
            registry.clear();
            model.clear();
          }
          expect(registry.version).toBe(version);
          expect(new Set(registry.list().map((tool) => tool.definition.name))).toEqual(model);
        }
      }),
    );
  });

  it('rejects every name outside [a-zA-Z0-9_.-]{1,64}', () => {
    fc.assert(
      fc.property(
        fc.string({ maxLength: 80 }).filter((name) => !/^[a-zA-Z0-9_.-]{1,64}$/.test(name)),
        (name) => {
          expect(() => new ToolRegistry([{ ...weather, name }])).toThrow(InvalidConfigError);
        },
      ),
    );
  });
});
