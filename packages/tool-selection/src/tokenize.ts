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

/**
 * Splits an identifier or a sentence into lower-case words: `getWeatherForecast`, `get_weather.v2` and
 * `HTTPServer2` give `get weather forecast`, `get weather v 2`, `http server 2`.
 */
export function splitWords(text: string): string[] {
  const words: string[] = [];
  for (const chunk of text.split(NON_WORD)) {
    if (chunk === '') continue;
    const parts = chunk.match(IDENTIFIER_PARTS);
    if (parts === null) continue;
    for (const part of parts) words.push(part.toLowerCase());
  }
  return words;
}

/**
 * The index terms of a text: words split as by `splitWords`, stop words, single letters and bare numbers
 * dropped, the rest Porter-stemmed.
 */
export function tokenize(text: string): string[] {
  const terms: string[] = [];
  for (const word of splitWords(text)) {
    if (word.length < 2 || STOP_WORDS.has(word)) continue;
    const first = word.charCodeAt(0);
    if (first >= 48 && first <= 57) continue;
    terms.push(stem(word));
  }
  return terms;
}
