import { mkdtemp, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { AbortedError, InvalidConfigError, InvalidRequestError } from '@victor-ai/core';
import { ToolRegistry, ToolSelector } from '@victor-ai/tool-selection';
import { cosineSimilarity } from '@victor-ai/tool-selection/testing';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { createUseEmbedder, USE_DIMENSIONS, type UseEmbedder } from './use-embedder.js';

// The real model: loading it takes a few seconds on a loaded machine, so it is loaded once for the file.
const MODEL_TIMEOUT = 120_000;

const tools = [
  { name: 'get_weather', description: 'Current weather conditions for a city.' },
  { name: 'read_file', description: 'Read the contents of a file from disk.' },
  { name: 'send_email', description: 'Send an email message to a recipient.' },
  { name: 'create_calendar_event', description: 'Schedule a meeting on the calendar.' },
  { name: 'convert_currency', description: 'Convert an amount of money from one currency to another.' },
  { name: 'translate_text', description: 'Translate text into another language.' },
];

let shared: UseEmbedder;
beforeAll(async () => {
  shared = createUseEmbedder();
  await shared.load();
}, MODEL_TIMEOUT);
afterAll(async () => {
  await shared.close();
});

let dir: string;
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'embedder-use-'));
});
afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe('createUseEmbedder', () => {
  describe('the real model', () => {
    it('embeds texts into 512 numbers, closer for texts that mean the same', async () => {
      const [rain, weather, file] = await shared.embed([
        'Will it rain in Lisbon tomorrow?',
        'weather forecast for a city',
        'read the contents of a file',
      ]);
      expect(rain).toHaveLength(USE_DIMENSIONS);
      expect(cosineSimilarity(rain!, weather!)).toBeGreaterThan(cosineSimilarity(rain!, file!) + 0.1);
      expect(shared.stats().loaded).toBe(true);
    });

    it('embeds an empty text without failing', async () => {
      const [vector] = await shared.embed(['']);
      expect(vector).toHaveLength(USE_DIMENSIONS);
    });

    it('gives the same vectors in one batch as one at a time', async () => {
      const texts = ['send an email', 'convert dollars to euros', 'translate to French'];
      const batch = await createUseEmbedder({ batchSize: 3 }).embed(texts);
      const single = await createUseEmbedder({ batchSize: 1 }).embed(texts);
      for (let i = 0; i < texts.length; i++)
        expect(cosineSimilarity(batch[i]!, single[i]!)).toBeGreaterThan(0.9999);
    });
  });

  describe('in a ToolSelector', () => {
    const registry = new ToolRegistry(
      tools.map((tool) => ({ ...tool, parameters: { type: 'object', properties: {} } })),
    );

    it.each([
      ['Is it going to rain in Paris this afternoon?', 'get_weather'],
      ['How many yen do I get for 50 dollars?', 'convert_currency'],
      ['Put a meeting with Anna on my agenda for Tuesday', 'create_calendar_event'],
      ['How do you say good morning in Japanese?', 'translate_text'],
    ])('ranks the one right tool first for %j by meaning (semantic)', async (query, expected) => {
      const selector = new ToolSelector({ registry, embedder: shared, strategy: 'semantic', k: 3 });
      const selection = await selector.select(query);
      expect(selection.semanticError).toBeUndefined();
      expect(selection.tools[0]?.name).toBe(expected);
    });

    it('fuses with the lexical ranking (hybrid)', async () => {
      const selector = new ToolSelector({
        registry,
        embedder: shared,
        strategy: 'hybrid',
        k: 3,
        minTools: 0,
      });
      const selection = await selector.select(
        'Is it going to rain in Paris this afternoon? Email it to Bob.',
      );
      expect(selection.strategy).toBe('hybrid');
      expect(selection.tools.map((tool) => tool.name)).toEqual(
        expect.arrayContaining(['get_weather', 'send_email']),
      );
    });
  });

  describe('cache file', () => {
    const texts = tools.map((tool) => `${tool.name}: ${tool.description}`);

    it('answers a restart from the file without loading the model', async () => {
      const cacheFile = join(dir, 'tools.vectors');
      const first = createUseEmbedder({ cacheFile });
      const vectors = await first.embed(texts, { inputType: 'document' });
      expect(first.stats()).toMatchObject({ embedded: texts.length, cacheHits: 0, cacheFile: 'missing' });

      const restarted = createUseEmbedder({ cacheFile });
      const again = await restarted.embed(texts, { inputType: 'document' });
      expect(restarted.stats()).toMatchObject({
        loaded: false,
        embedded: 0,
        cacheHits: texts.length,
        cacheFile: 'loaded',
      });
      expect(again.map((vector) => [...vector])).toEqual(vectors.map((vector) => [...vector]));
      await first.close();
    });

    it('embeds only the texts the file misses', async () => {
      const cacheFile = join(dir, 'tools.vectors');
      await createUseEmbedder({ cacheFile }).embed(texts.slice(0, 4));
      const restarted = createUseEmbedder({ cacheFile });
      await restarted.embed(texts);
      expect(restarted.stats()).toMatchObject({ embedded: 2, cacheHits: 4, cacheEntries: 6 });
    });

    it('does not write query vectors', async () => {
      const cacheFile = join(dir, 'tools.vectors');
      await createUseEmbedder({ cacheFile }).embed(['what is the weather'], { inputType: 'query' });
      expect(await readdir(dir)).toEqual([]);
    });

    it('rebuilds a corrupt file instead of failing', async () => {
      const cacheFile = join(dir, 'tools.vectors');
      await writeFile(cacheFile, 'VICVEC01 this is not a vector file');
      const embedder = createUseEmbedder({ cacheFile });
      const vectors = await embedder.embed(texts.slice(0, 2));
      expect(vectors).toHaveLength(2);
      expect(embedder.stats()).toMatchObject({ cacheFile: 'corrupt', embedded: 2 });
      const restarted = createUseEmbedder({ cacheFile });
      await restarted.embed(texts.slice(0, 2));
      expect(restarted.stats()).toMatchObject({ cacheFile: 'loaded', cacheHits: 2, embedded: 0 });
    });

    it('reports a file it cannot write and still returns the vectors', async () => {
      // A plain file where the cache file's folder should be: creating the folder fails.
      await writeFile(join(dir, 'blocker'), '');
      const errors: unknown[] = [];
      const embedder = createUseEmbedder({
        cacheFile: join(dir, 'blocker', 'tools.vectors'),
        onCacheError: (error) => errors.push(error),
      });
      expect(await embedder.embed(['a text'])).toHaveLength(1);
      expect(errors.length).toBeGreaterThan(0);
    });
  });

  describe('close', () => {
    it('leaves the model to the other embedders that use it, and loads it again when used after', async () => {
      const first = createUseEmbedder();
      const second = createUseEmbedder();
      await first.load();
      await second.load();
      await first.close();
      expect(first.stats().loaded).toBe(false);
      expect(await second.embed(['still here'])).toHaveLength(1);
      expect(await first.embed(['back again'])).toHaveLength(1);
      expect(first.stats().loaded).toBe(true);
      await Promise.all([first.close(), second.close()]);
    });
  });

  describe('abort and bad input', () => {
    it('rejects with AbortedError when the signal is already aborted', async () => {
      const controller = new AbortController();
      controller.abort(new Error('user left'));
      await expect(shared.embed(['x'], { abortSignal: controller.signal })).rejects.toThrow(AbortedError);
    });

    it('stops between batches when aborted', async () => {
      const embedder = createUseEmbedder({ batchSize: 1 });
      const controller = new AbortController();
      const pending = embedder.embed(['one', 'two', 'three', 'four'], { abortSignal: controller.signal });
      controller.abort();
      await expect(pending).rejects.toThrow(AbortedError);
      expect(embedder.stats().embedded).toBeLessThan(4);
    });

    it('rejects inputs that are not strings, naming the index', async () => {
      await expect(shared.embed(['ok', 3 as unknown as string])).rejects.toThrow(InvalidRequestError);
      await expect(shared.embed(['ok', 3 as unknown as string])).rejects.toThrow(
        /inputs\[1\] must be a string/,
      );
    });

    it('checks its options', () => {
      expect(() => createUseEmbedder({ batchSize: 0 })).toThrow(InvalidConfigError);
      expect(() => createUseEmbedder({ batchSize: 0 })).toThrow(
        /batchSize must be an integer from 1 to 4096, got 0/,
      );
      expect(() => createUseEmbedder({ cacheFile: '' })).toThrow(/cacheFile must be a non-empty path/);
      expect(() => createUseEmbedder({ onCacheError: 'x' as never })).toThrow(
        /onCacheError must be a function/,
      );
    });
  });
});
