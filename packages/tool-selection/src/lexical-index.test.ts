import { InvalidConfigError } from '@victor-ai/core';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { fixtureTools } from './__fixtures__/tools.js';
import { insertTopK, LexicalIndex, mayNameATool, nameCandidates, splitSentences } from './lexical-index.js';
import { ToolRegistry } from './tool-registry.js';
import { toolText } from './tool-text.js';

const tools = new ToolRegistry(fixtureTools).list();
const names = tools.map((tool) => tool.definition.name);
const index = LexicalIndex.build(tools.map(toolText));

function rank(query: string, k = 3, allowed?: Uint8Array): string[] {
  return index.search(index.prepare(query), k, allowed).documents.map((document) => names[document]!);
}

describe('LexicalIndex', () => {
  describe('ranking', () => {
    it('puts the tool whose name and description match first', () => {
      expect(rank('what is the weather like in Oslo')[0]).toBe('get_weather');
      expect(rank('read the file at /tmp/x')[0]).toBe('readFile');
      expect(rank('run this shell command')[0]).toBe('shell.exec');
    });

    it('matches inflected forms through stemming', () => {
      expect(rank('calculating areas of triangles')[0]).toBe('calculate_triangle_area');
      expect(rank('emailing my boss')[0]).toBe('send_email');
    });

    it('matches parameter names and descriptions', () => {
      expect(rank('recipient subject')[0]).toBe('send_email');
      expect(rank('fahrenheit')[0]).toBe('get_weather');
    });

    it('weighs the name field above parameter descriptions', () => {
      const nameHeavy = LexicalIndex.build(tools.map(toolText), {
        fieldWeights: { parameterDescriptions: 0 },
      });
      const hits = nameHeavy.search(nameHeavy.prepare('path'), 3);
      // With parameter descriptions ignored, "path" only matches parameter names.
      expect(hits.documents.map((document) => names[document])).toEqual(['readFile', 'write_file']);
    });

    it('ranks a tool the query names verbatim first', () => {
      expect(rank('read the contents of the file')[0]).toBe('readFile');
      expect(rank('use write_file to read the contents of the file')[0]).toBe('write_file');
      const noBoost = LexicalIndex.build(tools.map(toolText), { nameMentionBoost: 0 });
      const hits = noBoost.search(noBoost.prepare('use write_file to read the contents of the file'), 1);
      expect(names[hits.documents[0]!]).toBe('readFile');
    });

    it('favours tools that match more of the query through the coordination factor', () => {
      const plain = LexicalIndex.build(tools.map(toolText), { coordination: 0 });
      const query = 'read file contents disk';
      const withCoordination = index.search(index.prepare(query), 3);
      const without = plain.search(plain.prepare(query), 3);
      // readFile matches all four terms, write_file two: the gap widens with coordination.
      expect(names[withCoordination.documents[0]!]).toBe('readFile');
      expect(withCoordination.scores[1]! / withCoordination.scores[0]!).toBeLessThan(
        without.scores[1]! / without.scores[0]!,
      );
    });

    it('leaves a field of weight 0 out of the index', () => {
      const noParameters = LexicalIndex.build(tools.map(toolText), {
        fieldWeights: { parameterNames: 0, parameterDescriptions: 0 },
      });
      expect(noParameters.search(noParameters.prepare('subject fahrenheit'), 3).documents).toEqual([]);
    });

    it('returns nothing for a query with no known term', () => {
      expect(rank('zebra xylophone')).toEqual([]);
    });

    it('returns at most k documents, best first', () => {
      const hits = index.search(index.prepare('file write read'), 1);
      expect(hits.documents).toHaveLength(1);
      const all = index.search(index.prepare('file write read'), 10);
      for (let i = 1; i < all.scores.length; i++)
        expect(all.scores[i - 1]).toBeGreaterThanOrEqual(all.scores[i]!);
    });

    it('skips documents outside the allowed mask', () => {
      const allowed = new Uint8Array(tools.length);
      allowed[names.indexOf('write_file')] = 1;
      expect(rank('read the file', 3, allowed)).toEqual(['write_file']);
    });

    it('gives identical results on repeated searches (scratch space is reset)', () => {
      expect(rank('file')).toEqual(rank('file'));
      expect(index.search(index.prepare('file'), 3).scores).toEqual(
        index.search(index.prepare('file'), 3).scores,
      );
    });
  });

  describe('queries of several sentences', () => {
    const query = 'Read the contents of the file on disk and write it to a file. Then tell me the weather.';

    it('puts the best tool of each sentence right after the best tool overall', () => {
      expect(rank(query, 2)).toEqual(['readFile', 'get_weather']);
      const whole = LexicalIndex.build(tools.map(toolText), { sentences: false });
      const hits = whole.search(whole.prepare(query), 2);
      expect(hits.documents.map((document) => names[document])).toEqual(['readFile', 'write_file']);
    });

    it('scores a tool by the sum of its scores for each sentence', () => {
      const all = LexicalIndex.build(tools.map(toolText), { maxDocumentShare: 1 });
      const score = (text: string) => {
        const hits = all.search(all.prepare(text), 10);
        return hits.scores[hits.documents.indexOf(names.indexOf('readFile'))] ?? 0;
      };
      expect(score('Read the file. Send an email.')).toBeCloseTo(
        score('Read the file') + score('Send an email'),
        5,
      );
    });

    it('keeps single-sentence queries as they were', () => {
      const whole = LexicalIndex.build(tools.map(toolText), { sentences: false });
      const text = 'read the file contents, then write the file';
      expect(index.search(index.prepare(text), 5)).toEqual(whole.search(whole.prepare(text), 5));
      expect(index.prepare(text).segmentStarts).toBeUndefined();
    });

    it('leaves out words found in more than maxDocumentShare of the tools, in those queries only', () => {
      const texts = ['Fetch data about cats', 'Fetch data about dogs', 'Store data'].map(
        (description, i) => ({
          name: `tool ${i}`,
          description,
          parameterNames: '',
          parameterDescriptions: '',
          labels: '',
        }),
      );
      const small = LexicalIndex.build(texts);
      expect(small.prepare('data cats').termIds).toHaveLength(2);
      expect(small.prepare('Data. Cats.').termIds).toHaveLength(1);
      const keepAll = LexicalIndex.build(texts, { maxDocumentShare: 1 });
      expect(keepAll.prepare('Data. Cats.').termIds).toHaveLength(2);
      expect(() => LexicalIndex.build(texts, { maxDocumentShare: 2 })).toThrow(/maxDocumentShare must be/);
    });
  });

  describe('tokenizer options', () => {
    it('turns stemming and the stop-word list off', () => {
      const unstemmed = LexicalIndex.build(tools.map(toolText), { stemming: false });
      expect(unstemmed.search(unstemmed.prepare('calculating triangles'), 3).documents).toEqual([]);
      expect(index.prepare('the').termIds).toHaveLength(0);
      const withStopWords = LexicalIndex.build(tools.map(toolText), { stopWords: false });
      expect(withStopWords.prepare('the').termIds).toHaveLength(1);
      expect(() => LexicalIndex.build([], { stemming: 'no' as never })).toThrow(/stemming must be a boolean/);
    });
  });

  describe('prepare', () => {
    it('adds context terms at a lower weight', () => {
      const query = index.prepare('file', 'weather weather', 0.3);
      expect(query.termIds).toHaveLength(2);
      expect([...query.weights].sort()).toEqual([0.6000000238418579, 1]);
    });

    it('bounds every score by maxScore', () => {
      const query = index.prepare('read file path contents');
      const hits = index.search(query, 10);
      for (const score of hits.scores) expect(score).toBeLessThan(query.maxScore);
    });
  });

  describe('build', () => {
    it('rejects bad BM25 options naming the option', () => {
      expect(() => LexicalIndex.build([], { k1: -1 })).toThrow(InvalidConfigError);
      expect(() => LexicalIndex.build([], { fieldB: { name: 2 } })).toThrow(/fieldB\.name must be/);
    });

    it('reports its size', () => {
      expect(index.termCount).toBeGreaterThan(10);
      expect(index.memoryBytes).toBeGreaterThan(0);
      expect(index.documentCount).toBe(tools.length);
    });
  });
});

describe('mayNameATool', () => {
  // The pattern the index matches tool names with (NAME_CANDIDATES in lexical-index.ts).
  const candidates = /[A-Za-z0-9]+(?:[_.-][A-Za-z0-9]+)+|[a-z0-9]+[A-Z][A-Za-z0-9]*/;

  it('says true exactly when the name pattern can match (property)', () => {
    const alphabet = fc.constantFrom('a', 'z', 'Q', 'Z', '0', '9', '_', '.', '-', ' ', ',', 'é', 'É', '\n');
    fc.assert(
      fc.property(fc.array(alphabet, { maxLength: 12 }), (chars) => {
        const text = chars.join('');
        expect(mayNameATool(text)).toBe(candidates.test(text));
      }),
      { numRuns: 2_000 },
    );
  });

  it('skips plain sentences and finds names in them', () => {
    expect(mayNameATool('read the files about foxes and rivers, turn 12.')).toBe(false);
    expect(mayNameATool('use lawsuit_search to find it')).toBe(true);
    expect(mayNameATool('call getWeather for Paris')).toBe(true);
    expect(mayNameATool('v2.1 is out')).toBe(true);
  });
});

describe('nameCandidates', () => {
  it('finds separated and camelCase names, lower-cased, and skips plain words', () => {
    expect(nameCandidates('use get_weather.v2, then readFile. Not Plain words or ABC123 or a-.')).toEqual([
      'get_weather.v2',
      'readfile',
    ]);
    expect(nameCandidates('run shell.exec!')).toEqual(['shell.exec']);
  });

  it('finds something exactly when mayNameATool says it may (property)', () => {
    const alphabet = fc.constantFrom('a', 'z', 'Q', 'Z', '0', '9', '_', '.', '-', ' ', ',', 'é', '\n');
    fc.assert(
      fc.property(fc.array(alphabet, { maxLength: 12 }), (chars) => {
        const text = chars.join('');
        expect(nameCandidates(text).length > 0).toBe(mayNameATool(text));
      }),
      { numRuns: 2_000 },
    );
  });
});

describe('splitSentences', () => {
  it('splits after . ! ? ; followed by white space and at line breaks', () => {
    expect(splitSentences('Read a.txt. Then 36.1 km! Why? Yes; no\nnext')).toEqual([
      'Read a.txt.',
      'Then 36.1 km!',
      'Why?',
      'Yes;',
      'no',
      'next',
    ]);
    expect(splitSentences('one sentence')).toEqual(['one sentence']);
    expect(splitSentences('')).toEqual([]);
  });
});

describe('insertTopK', () => {
  it('keeps the k best by score, ties by lower document', () => {
    const documents: number[] = [];
    const scores: number[] = [];
    for (const [document, score] of [
      [5, 1],
      [1, 3],
      [2, 3],
      [0, 2],
      [9, 0.5],
    ] as const) {
      insertTopK(documents, scores, document, score, 3);
    }
    expect(documents).toEqual([1, 2, 0]);
    expect(scores).toEqual([3, 3, 2]);
  });
});

describe('insertTopK (properties)', () => {
  it('keeps the same k best as sorting everything (score desc, then document asc)', () => {
    fc.assert(
      fc.property(
        fc.array(fc.tuple(fc.nat(50), fc.constantFrom(0, 0.5, 1, 2, 3.25)), { maxLength: 40 }),
        fc.integer({ min: 1, max: 12 }),
        (items, k) => {
          const unique = [...new Map(items).entries()];
          const documents: number[] = [];
          const scores: number[] = [];
          for (const [document, score] of unique) insertTopK(documents, scores, document, score, k);
          const expected = unique.sort((a, b) => b[1] - a[1] || a[0] - b[0]).slice(0, k);
          expect(documents).toEqual(expected.map(([document]) => document));
          expect(scores).toEqual(expected.map(([, score]) => score));
        },
      ),
    );
  });
});

describe('LexicalIndex (properties)', () => {
  const vocabulary = [
    'read',
    'file',
    'write',
    'weather',
    'city',
    'email',
    'shell',
    'command',
    'area',
    'zebra',
    'the',
  ];
  it('returns at most k distinct allowed documents, best first, for any query and mask', () => {
    fc.assert(
      fc.property(
        fc.array(fc.constantFrom(...vocabulary), { maxLength: 8 }),
        fc.integer({ min: 1, max: 10 }),
        fc.array(fc.boolean(), { minLength: tools.length, maxLength: tools.length }),
        (words, k, flags) => {
          const allowed = Uint8Array.from(flags, (flag) => (flag ? 1 : 0));
          const hits = index.search(index.prepare(words.join(' ')), k, allowed);
          expect(hits.documents.length).toBeLessThanOrEqual(k);
          expect(new Set(hits.documents).size).toBe(hits.documents.length);
          for (const document of hits.documents) expect(allowed[document]).toBe(1);
          for (let i = 1; i < hits.scores.length; i++)
            expect(hits.scores[i - 1]!).toBeGreaterThanOrEqual(hits.scores[i]!);
        },
      ),
    );
  });

  it('searchText ranks as prepare + search, with the same best possible score', () => {
    fc.assert(
      fc.property(
        fc.array(fc.array(fc.constantFrom(...vocabulary, 'readFile', 'get_weather'), { maxLength: 5 }), {
          minLength: 1,
          maxLength: 3,
        }),
        fc.constantFrom('', 'the city', 'send an email'),
        fc.integer({ min: 1, max: 10 }),
        fc.array(fc.boolean(), { minLength: tools.length, maxLength: tools.length }),
        (sentences, context, k, flags) => {
          const allowed = Uint8Array.from(flags, (flag) => (flag ? 1 : 0));
          const query = sentences.map((words) => words.join(' ')).join('. ');
          const prepared = index.prepare(query, context, 0.3);
          const expected = index.search(prepared, k, allowed);
          const hits = index.searchText(query, k, allowed, context, 0.3);
          expect(hits.documents).toEqual(expected.documents);
          expect(hits.scores).toEqual(expected.scores);
          expect(hits.maxScore).toBe(prepared.maxScore);
        },
      ),
    );
  });

  it('refuses a bad query, context, weight or k before touching its scratch state', () => {
    const before = index.searchText('read a file', 5);
    const bad: Array<[string, () => unknown]> = [
      ['query', () => index.searchText(42 as unknown as string, 5)],
      ['context', () => index.searchText('read a file', 5, undefined, { length: 3 } as unknown as string)],
      ['contextWeight', () => index.searchText('read a file', 5, undefined, 'the city', Number.NaN)],
      ['k', () => index.searchText('read a file', 0)],
      ['k', () => index.searchText('read a file', Number.NaN)],
      ['context', () => index.prepare('read a file', 7 as unknown as string)],
      ['k', () => index.search(index.prepare('read a file'), -1)],
    ];
    for (const [option, call] of bad) {
      expect(call).toThrow(InvalidConfigError);
      expect(call).toThrow(new RegExp(`^${option} must be`));
    }
    // Nothing of the refused calls stayed counted: the same query ranks the same.
    expect(index.searchText('read a file', 5)).toEqual(before);
    expect(before.documents.length).toBeGreaterThan(0);
  });

  it('for queries of several sentences: at most k distinct allowed documents, the best one first', () => {
    fc.assert(
      fc.property(
        fc.array(fc.array(fc.constantFrom(...vocabulary), { maxLength: 5 }), { minLength: 2, maxLength: 4 }),
        fc.integer({ min: 1, max: 10 }),
        fc.array(fc.boolean(), { minLength: tools.length, maxLength: tools.length }),
        (sentences, k, flags) => {
          const allowed = Uint8Array.from(flags, (flag) => (flag ? 1 : 0));
          const hits = index.search(
            index.prepare(sentences.map((words) => `${words.join(' ')}.`).join(' ')),
            k,
            allowed,
          );
          expect(hits.documents.length).toBeLessThanOrEqual(k);
          expect(new Set(hits.documents).size).toBe(hits.documents.length);
          for (const document of hits.documents) expect(allowed[document]).toBe(1);
          for (const score of hits.scores) expect(hits.scores[0]!).toBeGreaterThanOrEqual(score);
        },
      ),
    );
  });
});

describe('LexicalIndex, queries of several sentences over common terms', () => {
  // 1,200 tools: `data`, `value`, `record` and `entry` are in 1/2 to 1/7 of them, so they get dense rows
  // and are looked up instead of scanned; the other words are rarer.
  // Words of letters only (digits would be split off): `word('alpha', 12)` is `alphabc`.
  const word = (prefix: string, n: number) =>
    prefix + String(n).replace(/\d/g, (d) => 'abcdefghij'[Number(d)]!);
  const pool = Array.from({ length: 1200 }, (_, i) => {
    const words = [
      word('alpha', i % 40),
      word('beta', i % 97),
      word('gamma', i % 13),
      word('delta', i % 400),
    ];
    if (i % 2 === 0) words.push('data');
    if (i % 3 === 0) words.push('value');
    if (i % 5 === 0) words.push('record', 'record');
    if (i % 7 === 0) words.push('entry');
    for (let f = 0; f < i % 4; f++) words.push(word('filler', f));
    return {
      name: `tool${i}`,
      description: words.join(' '),
      parameterNames: '',
      parameterDescriptions: '',
      labels: '',
    };
  });
  const big = LexicalIndex.build(pool, { maxDocumentShare: 1 });
  const documentCount = pool.length;

  /** The ranking of `#searchSegments` computed from single-sentence searches, which scan every posting. */
  function reference(sentences: string[], k: number): { documents: number[]; totals: Float64Array } {
    const totals = new Float64Array(documentCount);
    const picks: number[] = [];
    for (const sentence of sentences) {
      const hits = big.search(big.prepare(sentence), documentCount);
      hits.documents.forEach((document, i) => {
        totals[document]! += hits.scores[i]!;
      });
      if (hits.documents.length > 0 && !picks.includes(hits.documents[0]!)) picks.push(hits.documents[0]!);
    }
    const order = [...totals.keys()]
      .filter((d) => totals[d]! > 0)
      .sort((a, b) => totals[b]! - totals[a]! || a - b);
    const documents = order.slice(0, 1);
    for (const document of [...picks, ...order.slice(1, k)]) {
      if (documents.length < k && !documents.includes(document)) documents.push(document);
    }
    return { documents, totals };
  }

  const sentenceChoices = [
    'data value',
    'record entry data',
    `${word('alpha', 3)} data`,
    `${word('beta', 11)} value record`,
    `${word('gamma', 5)} entry`,
    'data',
    `${word('alpha', 7)} ${word('beta', 7)} ${word('gamma', 7)} ${word('filler', 2)}`,
    `${word('alpha', 12)} ${word('beta', 50)} data value`,
    `${word('delta', 17)} data`,
    `${word('delta', 250)} value record`,
    `${word('gamma', 5)} value record entry data`,
  ];
  const queries: string[][] = [];
  for (const first of sentenceChoices)
    for (const second of sentenceChoices) if (first !== second) queries.push([first, second]);
  queries.push(['data value', 'record entry', `${word('alpha', 1)} ${word('beta', 2)}`, 'value']);

  it('ranks exactly as scanning every posting would, for any k', () => {
    for (const sentences of queries) {
      for (const k of [1, 5, 10]) {
        const hits = big.search(big.prepare(sentences.map((s) => `${s}.`).join(' ')), k);
        const expected = reference(sentences, k);
        expect(hits.documents, `${sentences.join(' | ')} k ${k}`).toEqual(expected.documents);
        hits.documents.forEach((document, i) => {
          expect(hits.scores[i]).toBeCloseTo(expected.totals[document]!, 5);
        });
      }
    }
  });
});
