import { InvalidConfigError } from '@victor-ai/core';
import { describe, expect, it } from 'vitest';
import { fixtureTools } from './__fixtures__/tools.js';
import { createDeterministicEmbedder } from './testing/deterministic-embedder.js';
import { ToolRegistry } from './tool-registry.js';
import { ToolSelector } from './tool-selector.js';

const names = (selection: { tools: readonly { name: string }[] }) => selection.tools.map((tool) => tool.name);

describe('ToolSelector', () => {
  describe('splitQueries', () => {
    const query = 'Send an email to Bob. What is the weather in Paris?';

    it('embeds the whole query and each of its sentences in one call', async () => {
      const embedder = createDeterministicEmbedder();
      const selector = new ToolSelector({
        registry: new ToolRegistry(fixtureTools),
        embedder,
        strategy: 'semantic',
        splitQueries: true,
      });
      await selector.prepare();
      await selector.select(query, { k: 2 });
      expect(embedder.calls.at(-1)).toEqual([
        'send an email to bob. what is the weather in paris?',
        'send an email to bob.',
        'what is the weather in paris?',
      ]);
      // The vectors are cached: the same query embeds nothing again, and selectSync ranks semantically.
      const calls = embedder.calls.length;
      expect((await selector.select(query, { k: 3 })).strategy).toBe('semantic');
      expect(selector.selectSync(query, { k: 4 }).strategy).toBe('semantic');
      expect(embedder.calls).toHaveLength(calls);
    });

    it('gives each request of the query a place in the semantic list', async () => {
      // The first request's words fill the whole query's vector: alone, it ranks two file tools first.
      const longQuery = 'Read the file and write the file and read it again. Weather?';
      const selector = (splitQueries: boolean) =>
        new ToolSelector({
          registry: new ToolRegistry(fixtureTools),
          embedder: createDeterministicEmbedder(),
          strategy: 'semantic',
          splitQueries,
          minTools: 0,
        });
      expect(names(await selector(false).select(longQuery, { k: 2 }))).not.toContain('get_weather');
      expect(names(await selector(true).select(longQuery, { k: 2 }))).toEqual(
        expect.arrayContaining(['readFile', 'get_weather']),
      );
    });

    it('is on unless turned off', async () => {
      const embedder = createDeterministicEmbedder();
      const on = new ToolSelector({ registry: new ToolRegistry(fixtureTools), embedder });
      await on.select(query);
      expect(embedder.calls.at(-1)).toHaveLength(3);
      const off = new ToolSelector({
        registry: new ToolRegistry(fixtureTools),
        embedder,
        splitQueries: false,
      });
      await off.select(`${query} Again.`);
      expect(embedder.calls.at(-1)).toHaveLength(1);
    });

    it('fuses by weight 0.95 unless told otherwise', async () => {
      const embedder = createDeterministicEmbedder();
      const registry = new ToolRegistry(fixtureTools);
      const scores = async (options: object) =>
        (
          await new ToolSelector({ registry, embedder, minTools: 0, ...options }).select('weather in a city')
        ).tools.map((tool) => [tool.name, tool.score]);
      const byDefault = await scores({});
      expect(byDefault).toEqual(await scores({ fusion: 'weighted', lexicalWeight: 0.95 }));
      expect(byDefault).not.toEqual(await scores({ fusion: 'weighted', lexicalWeight: 0.5 }));
      expect(byDefault).not.toEqual(await scores({ fusion: 'rrf' }));
    });

    it('embeds a one-sentence query once, as without splitting', async () => {
      const embedder = createDeterministicEmbedder();
      const selector = new ToolSelector({
        registry: new ToolRegistry(fixtureTools),
        embedder,
        splitQueries: true,
      });
      await selector.prepare();
      await selector.select('weather in Paris');
      expect(embedder.calls.at(-1)).toEqual(['weather in paris']);
    });

    it('marks query texts as queries for the embedder', async () => {
      const seen: unknown[] = [];
      const inner = createDeterministicEmbedder();
      const selector = new ToolSelector({
        registry: new ToolRegistry(fixtureTools),
        embedder: {
          id: inner.id,
          model: inner.model,
          embed: (inputs, options) => {
            seen.push(options);
            return inner.embed(inputs, options);
          },
        },
      });
      await selector.prepare();
      seen.length = 0;
      await selector.select('weather in Paris');
      expect(seen).toEqual([{ inputType: 'query' }]);
    });

    it('rejects a value that is not a boolean, naming the option', () => {
      expect(
        () =>
          new ToolSelector({
            registry: new ToolRegistry(fixtureTools),
            splitQueries: 'yes' as unknown as boolean,
          }),
      ).toThrow(InvalidConfigError);
    });
  });
});
