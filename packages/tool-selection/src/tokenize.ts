import { porterStem } from './porter-stemmer.js';

// Function words that carry no signal about which tool fits ("get me the weather for ...").
const STOP_WORDS = new Set(
  (
    'a an and are as at be been being but by can could did do does for from had has have he her his how i ' +
    'if in into is it its me my of on or our please she should so than that the their them then there ' +
    'these they this those to us was we were what when where which who whom why will with would you your'
  ).split(' '),
);

// Splits on anything that is not a letter or digit; camelCase, acronyms and digits are split below.
const NON_WORD = /[^\p{L}\p{N}]+/u;
const IDENTIFIER_PARTS = /\p{Lu}+(?=\p{Lu}\p{Ll})|\p{Lu}?\p{Ll}+|\p{Lu}+|\p{N}+|\p{L}+/gu;
const ASCII_LOWER = /^[a-z]+$/;

const stemCache = new Map<string, string>();
const STEM_CACHE_MAX = 50_000;

/** Stems one lower-case word, memoised: queries repeat the same few thousand words. */
export function stem(word: string): string {
  let stemmed = stemCache.get(word);
  if (stemmed === undefined) {
    stemmed = ASCII_LOWER.test(word) ? porterStem(word) : word;
    if (stemCache.size >= STEM_CACHE_MAX) stemCache.clear();
    stemCache.set(word, stemmed);
  }
  return stemmed;
}

const LOWER = 1;
const UPPER = 2;
const DIGIT = 3;

function charClass(code: number): number {
  if (code >= 97 && code <= 122) return LOWER;
  if (code >= 65 && code <= 90) return UPPER;
  if (code >= 48 && code <= 57) return DIGIT;
  return 0;
}

function splitWordsUnicode(text: string, words: string[]): string[] {
  for (const chunk of text.split(NON_WORD)) {
    if (chunk === '') continue;
    const parts = chunk.match(IDENTIFIER_PARTS);
    if (parts === null) continue;
    for (const part of parts) words.push(part.toLowerCase());
  }
  return words;
}

/**
 * Splits an identifier or a sentence into lower-case words: `getWeatherForecast`, `get_weather.v2` and
 * `HTTPServer2` give `get weather forecast`, `get weather v 2`, `http server 2`.
 */
export function splitWords(text: string): string[] {
  const words: string[] = [];
  const length = text.length;
  // ASCII fast path: one pass over char codes; any other character takes the Unicode regex path.
  let start = -1;
  let previous = 0;
  // Whether the current word has a capital: most words have none and need no toLowerCase copy.
  let upper = false;
  for (let index = 0; index < length; index++) {
    const code = text.charCodeAt(index);
    if (code > 127) return splitWordsUnicode(text, []);
    const current = charClass(code);
    if (start >= 0) {
      let boundary = current === 0 || (current === DIGIT) !== (previous === DIGIT);
      if (!boundary && current === UPPER && previous === LOWER) boundary = true;
      // The last capital of an acronym starts the next word: HTTPServer -> HTTP, Server.
      if (
        !boundary &&
        current === LOWER &&
        previous === UPPER &&
        index - start > 1 &&
        // ...but a plural acronym stays whole: URLs, IDs.
        !(code === 115 && charClass(index + 1 < length ? text.charCodeAt(index + 1) : 0) !== LOWER)
      ) {
        words.push(text.slice(start, index - 1).toLowerCase());
        start = index - 1;
      }
      if (boundary) {
        const word = text.slice(start, index);
        words.push(upper ? word.toLowerCase() : word);
        start = current === 0 ? -1 : index;
        upper = current === UPPER;
      } else if (current === UPPER) upper = true;
    } else if (current !== 0) {
      start = index;
      upper = current === UPPER;
    }
    previous = current;
  }
  if (start >= 0) {
    const word = text.slice(start);
    words.push(upper ? word.toLowerCase() : word);
  }
  return words;
}

/**
 * The index term of one lower-case word, or `undefined` for a stop word, a single letter or a number.
 * `stemming` and `stopWords` (both on unless false) turn the Porter stemmer and the stop-word list off.
 */
export function termOf(word: string, stemming = true, stopWords = true): string | undefined {
  if (word.length < 2 || (stopWords && STOP_WORDS.has(word))) return undefined;
  const first = word.charCodeAt(0);
  if (first >= 48 && first <= 57) return undefined;
  return stemming ? stem(word) : word;
}

/**
 * The index terms of a text: words split as by `splitWords`, stop words, single letters and bare numbers
 * dropped, the rest Porter-stemmed.
 */
export function tokenize(text: string): string[] {
  const terms: string[] = [];
  for (const word of splitWords(text)) {
    const term = termOf(word);
    if (term !== undefined) terms.push(term);
  }
  return terms;
}
