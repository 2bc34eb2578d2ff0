import { AbortedError, ConnectionError, InvalidConfigError, type MetricsSink } from '@victor-ai/core';
import fc from 'fast-check';
import { describe, expect, it, vi } from 'vitest';
import { fixtureTools } from './__fixtures__/tools.js';
import { createDeterministicEmbedder } from './testing/deterministic-embedder.js';
import { ToolRegistry } from './tool-registry.js';
import { normalizeQuery, ToolSelector } from './tool-selector.js';

function setup(options: Partial<ConstructorParameters<typeof ToolSelector>[0]> = {}) {
  const registry = new ToolRegistry(fixtureTools);
  const selector = new ToolSelector({ registry, ...options });
  return { registry, selector };
}

const names = (selection: { tools: readonly { name: string }[] }) => selection.tools.map((tool) => tool.name);

describe('ToolSelector', () => {
  describe('options', () => {
    it.each([
      [{ k: 0 }, /k must be an integer from 1 to 1000, got 0/],
      [{ strategy: 'fuzzy' }, /strategy must be/],
      [{ strategy: 'hybrid' }, /strategy must be "lexical" when no embedder is given/],
      [{ minRelevance: 2 }, /minRelevance must be a number from 0 to 1, got 2/],
      [{ fusion: 'max' }, /fusion must be "rrf" or "weighted"/],
      [{ cacheSize: -1 }, /cacheSize must be/],
      [{ bm25: { k1: 100 } }, /k1 must be/],
      [{ registry: {} }, /registry must be a ToolRegistry/],
    ])('rejects %j with InvalidConfigError naming the option', (options, message) => {
      const create = () => setup(options as never);
      expect(create).toThrow(InvalidConfigError);
      expect(create).toThrow(message);
    });

    it('defaults to hybrid with an embedder and lexical without', () => {
      expect(setup().selector.strategy).toBe('lexical');
      expect(setup({ embedder: createDeterministicEmbedder() }).selector.strategy).toBe('hybrid');
    });
  });

  describe('ranking', () => {
    it('returns the top k with scores and the lexical signal, always-included tools first', () => {
      const { selector } = setup();
      const selection = selector.selectSync('read the contents of a file', { k: 2 });
      expect(names(selection)).toEqual(['ask_user', 'readFile', 'write_file']);
      expect(selection.tools[0]).toMatchObject({ signal: 'always-include', score: 0, lexicalRank: -1 });
      expect(selection.tools[1]).toMatchObject({ signal: 'lexical', lexicalRank: 0, semanticRank: -1 });
      expect(selection.tools[1]!.score).toBeGreaterThan(selection.tools[2]!.score);
      expect(selection.noToolFits).toBe(false);
      expect(selection.topRelevance).toBeGreaterThan(0);
      expect(selection.topRelevance).toBeLessThan(1);
    });

    it('includes tools named in alwaysInclude whatever their rank', () => {
      const { selector } = setup();
      const selection = selector.selectSync('weather', { k: 1, alwaysInclude: ['send_email', 'unknown'] });
      expect(names(selection)).toEqual(['ask_user', 'send_email', 'get_weather']);
    });

    it('ranks only tools of the given categories, tags or read-only flag', () => {
      const { selector } = setup({ minTools: 0 });
      expect(names(selector.selectSync('file', { categories: ['filesystem'], k: 5 }))).toEqual([
        'ask_user',
        'readFile',
        'write_file',
      ]);
      expect(names(selector.selectSync('write a file', { readOnly: true, k: 5 }))).toEqual([
        'ask_user',
        'readFile',
      ]);
      expect(names(selector.selectSync('file', { tags: ['weather'], k: 5 }))).toEqual(['ask_user']);
    });

    it('lets recent conversation break ties between tools', () => {
      const { selector } = setup();
      const withoutContext = selector.selectSync('path', { k: 1 });
      const withContext = selector.selectSync('path', {
        k: 1,
        context: [{ role: 'user', content: 'I need to write something down' }],
      });
      expect(names(withoutContext).at(-1)).toBe('readFile');
      expect(names(withContext).at(-1)).toBe('write_file');
    });

    it('says no tool fits when nothing matches or relevance is below minRelevance', () => {
      const { selector } = setup({ minTools: 0 });
      const nothing = selector.selectSync('zebra xylophone');
      expect(nothing.noToolFits).toBe(true);
      expect(names(nothing)).toEqual(['ask_user']);
      const weak = selector.selectSync('the file', { minRelevance: 0.99 });
      expect(weak.noToolFits).toBe(true);
      expect(selector.selectSync('the file', { minRelevance: 0.01 }).noToolFits).toBe(false);
    });
  });

  describe('never empty (minTools)', () => {
    const thirteen = () => {
      const registry = new ToolRegistry(
        Array.from({ length: 13 }, (_, index) => ({
          name: `tool_${index}`,
          description: `Does chore number ${index}.`,
          parameters: { type: 'object' as const, properties: {} },
          readOnly: index % 2 === 1,
        })),
      );
      return registry;
    };

    it('offers min(minTools, registered) tools when no word of the message matches any tool', () => {
      const selector = new ToolSelector({ registry: thirteen(), minTools: 12 });
      const selection = selector.selectSync('What does src/index.ts export?');
      expect(selection.noToolFits).toBe(true);
      expect(selection.tools).toHaveLength(12);
      expect(selection.tools.every((tool) => tool.signal === 'prior' && tool.score === 0)).toBe(true);
      // Read-only tools first, each group in registration order.
      expect(names(selection).slice(0, 7)).toEqual([
        'tool_1',
        'tool_3',
        'tool_5',
        'tool_7',
        'tool_9',
        'tool_11',
        'tool_0',
      ]);
      const all = new ToolSelector({ registry: thirteen(), minTools: 40 }).selectSync('nothing here');
      expect(all.tools).toHaveLength(13);
    });

    it('fills up to k by default, and minTools 0 allows an empty selection', () => {
      expect(new ToolSelector({ registry: thirteen(), k: 4 }).selectSync('zebra').tools).toHaveLength(4);
      const empty = new ToolSelector({ registry: thirteen(), minTools: 0 }).selectSync('zebra');
      expect(empty.tools).toEqual([]);
      expect(
        new ToolSelector({ registry: thirteen() }).selectSync('zebra', { minTools: 2 }).tools,
      ).toHaveLength(2);
    });

    it('keeps ranked tools first and fills the rest, tools used in the conversation before other ones', () => {
      const selector = new ToolSelector({ registry: thirteen(), minTools: 4 });
      const selection = selector.selectSync('chore', {
        context: [
          { role: 'assistant', content: '', toolCalls: [{ id: '1', name: 'tool_8', arguments: {} }] },
          { role: 'tool', name: 'tool_8', toolCallId: '1', content: 'done' },
          { role: 'tool', name: 'tool_6', toolCallId: '2', content: 'done' },
        ],
        k: 1,
      });
      expect(names(selection)).toEqual(['tool_0', 'tool_8', 'tool_6', 'tool_1']);
      expect(selection.tools.map((tool) => tool.signal)).toEqual(['lexical', 'prior', 'prior', 'prior']);
    });

    it('fills again after a fill (the scratch marks are cleared), sharing one frozen tool per filler', () => {
      const selector = new ToolSelector({ registry: thirteen(), minTools: 4, cacheSize: 0 });
      const first = selector.selectSync('chore', { k: 1 });
      const second = selector.selectSync('chore', { k: 1 });
      expect(names(second)).toEqual(names(first));
      expect(names(first)).toEqual(['tool_0', 'tool_1', 'tool_3', 'tool_5']);
      expect(second.tools[1]).toBe(first.tools[1]);
      expect(Object.isFrozen(second.tools[1])).toBe(true);
      // No tool twice, with other fillers after a query that ranks another tool first.
      const third = names(selector.selectSync('tool_3 chore', { k: 1 }));
      expect(third).toEqual(['tool_3', 'tool_1', 'tool_5', 'tool_7']);
    });

    it('fills only with tools the call allows, and counts always-included tools', () => {
      const { selector } = setup({ minTools: 3 });
      const selection = selector.selectSync('zebra xylophone', { categories: ['filesystem'] });
      expect(names(selection)).toEqual(['ask_user', 'readFile', 'write_file']);
    });

    it('rejects a bad minTools naming it', () => {
      expect(() => setup({ minTools: -1 })).toThrow(/minTools must be an integer from 0 to 1000, got -1/);
      const { selector } = setup();
      expect(() => selector.selectSync('file', { minTools: 1.5 })).toThrow(InvalidConfigError);
    });
  });

  describe('cache', () => {
    it('serves a repeated query (any case and spacing) from the cache', () => {
      const { selector } = setup();
      const first = selector.selectSync('Read a file');
      const second = selector.selectSync('  read   a FILE ');
      expect(first.cached).toBe(false);
      expect(second.cached).toBe(true);
      expect(second.tools).toBe(first.tools);
    });

    it('keeps selections with different options or context apart', () => {
      const { selector } = setup();
      selector.selectSync('file');
      expect(selector.selectSync('file', { k: 1 }).cached).toBe(false);
      expect(selector.selectSync('file', { context: ['write'] }).cached).toBe(false);
      expect(selector.selectSync('file', { context: ['write'] }).cached).toBe(true);
      expect(selector.selectSync('file', { context: ['read'] }).cached).toBe(false);
    });

    it('is invalidated when the registry changes', () => {
      const { registry, selector } = setup();
      const before = selector.selectSync('translate text to french', { k: 1 });
      expect(names(before)).not.toContain('translate');
      registry.add({
        name: 'translate',
        description: 'Translate text to another language such as French.',
        parameters: { type: 'object', properties: {} },
      });
      const after = selector.selectSync('translate text to french', { k: 1 });
      expect(after.cached).toBe(false);
      expect(after.registryVersion).toBe(before.registryVersion + 1);
      expect(names(after).at(-1)).toBe('translate');
      registry.remove('translate');
      expect(names(selector.selectSync('translate text to french', { k: 1 }))).not.toContain('translate');
    });

    it('can be turned off', () => {
      const { selector } = setup({ cacheSize: 0 });
      selector.selectSync('file');
      expect(selector.selectSync('file').cached).toBe(false);
    });

    it('past cacheSize, replaces the least recently used selection with a query looked up before', () => {
      const { selector } = setup({ cacheSize: 2 });
      selector.selectSync('file');
      selector.selectSync('weather');
      expect(selector.selectSync('file').cached).toBe(true);
      // The cache is full: `email`, looked up for the first time, is not kept.
      expect(selector.selectSync('email').cached).toBe(false);
      // Looked up a second time, it takes the place of the least recently used selection, `weather`.
      expect(selector.selectSync('email').cached).toBe(false);
      expect(selector.selectSync('email').cached).toBe(true);
      expect(selector.selectSync('file').cached).toBe(true);
      expect(selector.selectSync('weather').cached).toBe(false);
      expect(selector.stats().cachedSelections).toBe(2);
    });

    it('keeps a full cache as it is under queries that never repeat', () => {
      const { selector } = setup({ cacheSize: 2 });
      selector.selectSync('file');
      selector.selectSync('weather');
      for (let i = 0; i < 100; i++)
        expect(selector.selectSync(`send an email number ${i}`).cached).toBe(false);
      expect(selector.selectSync('file').cached).toBe(true);
      expect(selector.selectSync('weather').cached).toBe(true);
    });

    it('starts afresh when the registry changes, whatever was popular before', () => {
      const { registry, selector } = setup({ cacheSize: 1 });
      for (let i = 0; i < 5; i++) selector.selectSync('file');
      registry.add({
        name: 'fax',
        description: 'Send a fax.',
        parameters: { type: 'object', properties: {} },
      });
      expect(selector.selectSync('weather').cached).toBe(false);
      expect(selector.selectSync('weather').cached).toBe(true);
      expect(selector.selectSync('file').cached).toBe(false);
    });
  });

  describe('semantic and hybrid', () => {
    it('fuses lexical and semantic ranks and names the signal of each tool', async () => {
      const { selector } = setup({ embedder: createDeterministicEmbedder() });
      const selection = await selector.select('weather in a city', { k: 3 });
      expect(selection.strategy).toBe('hybrid');
      const weather = selection.tools.find((tool) => tool.name === 'get_weather')!;
      expect(weather).toMatchObject({ signal: 'hybrid', lexicalRank: 0, semanticRank: 0 });
      expect(selection.tools.filter((tool) => tool.signal !== 'always-include')).toHaveLength(3);
    });

    it('ranks by embeddings alone with the semantic strategy', async () => {
      const { selector } = setup({ embedder: createDeterministicEmbedder(), strategy: 'semantic' });
      const selection = await selector.select('send an email', { k: 1 });
      expect(selection.tools.at(-1)).toMatchObject({
        name: 'send_email',
        signal: 'semantic',
        lexicalRank: -1,
      });
    });

    it('embeds tools once in batches and only new tools after a change', async () => {
      const embedder = createDeterministicEmbedder();
      const { registry, selector } = setup({ embedder, embeddingBatchSize: 4 });
      await selector.prepare();
      expect(embedder.calls.map((call) => call.length)).toEqual([4, 3]);
      await selector.select('weather');
      await selector.select('weather');
      expect(embedder.calls).toHaveLength(3);
      registry.add({ name: 'translate', description: 'Translate text.', parameters: { type: 'object' } });
      await selector.select('weather');
      expect(embedder.calls.at(-1)).toHaveLength(1);
      expect(embedder.calls.at(-1)![0]).toContain('translate');
    });

    it('ranks within the registry version it embedded when the registry changes meanwhile', async () => {
      const inner = createDeterministicEmbedder();
      let release: () => void = () => {};
      const gate = new Promise<void>((resolve) => {
        release = resolve;
      });
      const embedder = {
        id: inner.id,
        model: inner.model,
        embed: async (inputs: readonly string[]) => {
          await gate;
          return inner.embed(inputs);
        },
      };
      const { registry, selector } = setup({ embedder });
      const pending = selector.select('send an email', { k: 3 });
      registry.remove(['get_weather', 'readFile', 'write_file']);
      release();
      const selection = await pending;
      expect(selection.registryVersion).toBe(1);
      expect(selection.tools.at(1)?.name).toBe('send_email');
      const later = await selector.select('send an email', { k: 3 });
      expect(later.registryVersion).toBe(2);
      expect(names(later)).not.toContain('readFile');
    });

    it('falls back to lexical ranking when the embedder fails, and retries later', async () => {
      const embedder = createDeterministicEmbedder();
      const increment = vi.fn();
      const metrics: MetricsSink = { increment, gauge: vi.fn(), observe: vi.fn() };
      const { selector } = setup({ embedder, metrics });
      const error = new ConnectionError({ message: 'embeddings endpoint down' });
      embedder.failNext(error);
      const selection = await selector.select('weather');
      expect(selection.strategy).toBe('lexical');
      expect(selection.semanticError).toBe(error);
      expect(names(selection)).toContain('get_weather');
      expect(increment).toHaveBeenCalledWith('victor_tool_selection_semantic_failures_total');
      expect((await selector.select('weather')).strategy).toBe('hybrid');
    });

    it('rejects with AbortedError when aborted, without falling back', async () => {
      const { selector } = setup({ embedder: createDeterministicEmbedder() });
      const controller = new AbortController();
      controller.abort();
      await expect(selector.select('weather', { abortSignal: controller.signal })).rejects.toThrow(
        AbortedError,
      );
    });

    it('selectSync ranks lexically until the vectors are ready, then hybrid, embedding in the background', async () => {
      const embedder = createDeterministicEmbedder();
      const { selector } = setup({ embedder });
      const first = selector.selectSync('weather in a city');
      expect(first.strategy).toBe('lexical');
      expect(first.cached).toBe(false);
      expect(names(first)).toContain('get_weather');
      // Calling again while the background embedding runs starts no second one.
      selector.selectSync('weather in a city');
      await vi.waitFor(() => expect(selector.stats().semanticMemoryBytes).toBeGreaterThan(0));
      await vi.waitFor(() => expect(selector.selectSync('weather in a city').strategy).toBe('hybrid'));
      expect(
        embedder.calls.filter((call) => call.length === 1 && call[0] === 'weather in a city'),
      ).toHaveLength(1);
      const hybrid = selector.selectSync('weather in a city');
      expect(hybrid).toMatchObject({ strategy: 'hybrid', cached: true });
    });

    it('selectSync counts a failed background embedding and keeps answering lexically', async () => {
      const embedder = createDeterministicEmbedder();
      const metrics = { increment: vi.fn(), gauge: vi.fn(), observe: vi.fn() };
      const { selector } = setup({ embedder, metrics });
      embedder.failNext(new ConnectionError({ message: 'down' }));
      expect(selector.selectSync('weather').strategy).toBe('lexical');
      await vi.waitFor(() =>
        expect(metrics.increment).toHaveBeenCalledWith('victor_tool_selection_semantic_failures_total'),
      );
      expect(selector.selectSync('weather').strategy).toBe('lexical');
    });

    it('rejects bad call options without counting an embedder failure', async () => {
      const metrics = { increment: vi.fn(), gauge: vi.fn(), observe: vi.fn() };
      const { selector } = setup({ embedder: createDeterministicEmbedder(), metrics });
      await expect(selector.select('weather', { k: 0 })).rejects.toThrow(
        /k must be an integer from 1 to 1000, got 0/,
      );
      await expect(selector.select(42 as never)).rejects.toThrow(/query must be a string, got 42/);
      expect(metrics.increment).not.toHaveBeenCalledWith('victor_tool_selection_semantic_failures_total');
    });

    it('refuses a semantic strategy per call when there is no embedder', async () => {
      const { selector } = setup();
      await expect(selector.select('weather', { strategy: 'hybrid' })).rejects.toThrow(InvalidConfigError);
    });
  });

  describe('metrics and stats', () => {
    it('reports cache hits and misses, durations and index builds', () => {
      const metrics = { increment: vi.fn(), gauge: vi.fn(), observe: vi.fn() };
      const { selector } = setup({ metrics });
      selector.selectSync('file');
      selector.selectSync('file');
      expect(metrics.increment).toHaveBeenCalledWith('victor_tool_selection_cache_total', { cache: 'miss' });
      expect(metrics.increment).toHaveBeenCalledWith('victor_tool_selection_cache_total', { cache: 'hit' });
      expect(metrics.observe).toHaveBeenCalledWith(
        'victor_tool_selection_index_build_seconds',
        expect.any(Number),
        {
          index: 'lexical',
        },
      );
      expect(metrics.gauge).toHaveBeenCalledWith('victor_tool_selection_tools', fixtureTools.length);
    });

    it('reports index sizes', () => {
      const { selector } = setup();
      const stats = selector.stats();
      expect(stats).toMatchObject({ registryVersion: 1, tools: fixtureTools.length, cachedSelections: 0 });
      expect(stats.lexicalMemoryBytes).toBeGreaterThan(0);
    });
  });
});

describe('normalizeQuery', () => {
  it('trims, lower-cases and collapses whitespace', () => {
    expect(normalizeQuery('  Hello\n\tWORLD  ')).toBe('hello world');
  });

  it('is idempotent and ignores case and runs of whitespace', () => {
    fc.assert(
      fc.property(
        fc.array(fc.stringMatching(/^[A-Za-z0-9]{1,6}$/), { maxLength: 6 }),
        fc.constantFrom(' ', '  ', '\t', '\n '),
        (words, gap) => {
          const text = words.join(gap);
          const normalized = normalizeQuery(text);
          expect(normalizeQuery(normalized)).toBe(normalized);
          expect(normalizeQuery(` ${text.toUpperCase()} `)).toBe(normalized);
          expect(normalized).toBe(words.join(' ').toLowerCase());
        },
      ),
    );
  });
});

describe('ToolSelector, conversation context', () => {
  it('reads a tool message by its name, not its output', async () => {
    const { ToolRegistry } = await import('./tool-registry.js');
    const { ToolSelector } = await import('./tool-selector.js');
    const registry = new ToolRegistry([
      { name: 'search_text', description: 'search text in files', parameters: {} },
      { name: 'write_file', description: 'write a file', parameters: {} },
    ]);
    const selector = new ToolSelector({ registry, cacheSize: 0 });
    const output = 'search search search text text text '.repeat(50);
    const withOutput = selector.selectSync('now write it', {
      context: [{ role: 'tool', toolCallId: 'c', name: 'read_file', content: output }],
    });
    const without = selector.selectSync('now write it', {
      context: [{ role: 'tool', toolCallId: 'c', name: 'read_file', content: '' }],
    });
    expect(withOutput.tools.map((tool) => tool.name)).toEqual(without.tools.map((tool) => tool.name));
    expect(withOutput.tools[0]?.name).toBe('write_file');
  });
});

describe('ToolSelector, a shared semantic index build', () => {
  it('is not cancelled for everyone when the first caller aborts', async () => {
    const { ToolRegistry } = await import('./tool-registry.js');
    const { ToolSelector } = await import('./tool-selector.js');
    const { createDeterministicEmbedder } = await import('./testing/index.js');
    const inner = createDeterministicEmbedder();
    let release!: () => void;
    const gate = new Promise<void>((resolve) => {
      release = resolve;
    });
    const slow = {
      id: inner.id,
      model: inner.model,
      embed: async (inputs: readonly string[], options?: { abortSignal?: AbortSignal }) => {
        await gate;
        return inner.embed(inputs, options);
      },
    };
    const registry = new ToolRegistry([
      { name: 'weather', description: 'weather forecast for a city', parameters: {} },
      { name: 'stocks', description: 'stock prices', parameters: {} },
    ]);
    const selector = new ToolSelector({ registry, embedder: slow, strategy: 'semantic' });
    const controller = new AbortController();
    const first = selector.select('weather in Paris', { abortSignal: controller.signal });
    const second = selector.select('weather in Paris');
    controller.abort();
    await expect(first).rejects.toMatchObject({ code: 'ABORTED' });
    release();
    const result = await second;
    expect(result.strategy).toBe('semantic');
    expect(result.semanticError).toBeUndefined();
  });
});
