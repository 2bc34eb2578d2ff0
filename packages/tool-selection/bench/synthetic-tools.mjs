// Deterministic synthetic tool pools and queries for benchmarks: realistic shapes (verb_noun names,
// 8-30 word descriptions, 1-6 described parameters) over a Zipf-distributed vocabulary of pseudo-words,
// so postings lists have the skew of real text. Same seed, same pool. The seeded generator (mulberry32) is
// the benchmarks' shared one.
import { random } from '@victor-ai/agent-trace';

export { random };

const VERBS = (
  'get list create delete update search find send fetch read write compute calculate convert translate ' +
  'book cancel schedule check validate upload download analyze summarize generate resolve lookup ' +
  'retrieve monitor estimate compare sort filter merge export import run start stop restart deploy'
).split(' ');
const STOP = 'the a an of for to in on with and or by from at as is that this'.split(' ');
const ONSETS = 'b c d f g h j k l m n p r s t v w z br cr dr fr gr pl pr st tr sh ch th'.split(' ');
const VOWELS = 'a e i o u ai ea io ou'.split(' ');
const CODAS = ' n r s t l m nd st ng ck'.split(' ');

function vocabulary(size, next) {
  const words = new Set();
  while (words.size < size) {
    const syllables = 1 + Math.floor(next() * 3);
    let word = '';
    for (let s = 0; s < syllables; s++) {
      word += ONSETS[Math.floor(next() * ONSETS.length)] + VOWELS[Math.floor(next() * VOWELS.length)];
    }
    word += CODAS[Math.floor(next() * CODAS.length)];
    if (word.length >= 3) words.add(word);
  }
  return [...words];
}

/** Zipf(s) sampler over ranks 0..n-1 by inverse CDF on a precomputed table. */
function zipf(n, s, next) {
  const cdf = new Float64Array(n);
  let total = 0;
  for (let rank = 0; rank < n; rank++) {
    total += 1 / (rank + 1) ** s;
    cdf[rank] = total;
  }
  return () => {
    const target = next() * total;
    let lo = 0;
    let hi = n - 1;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (cdf[mid] < target) lo = mid + 1;
      else hi = mid;
    }
    return lo;
  };
}

/** `count` tools and `queryCount` queries (each with the tool it was drawn from). */
export function syntheticPool(count, { seed = 42, queryCount = 500 } = {}) {
  const next = random(seed);
  const words = vocabulary(6000, next);
  const rank = zipf(words.length, 1.05, next);
  const word = () => words[rank()];
  const sentence = (min, max) => {
    const length = min + Math.floor(next() * (max - min + 1));
    const out = [];
    for (let i = 0; i < length; i++) out.push(next() < 0.3 ? STOP[Math.floor(next() * STOP.length)] : word());
    return out.join(' ');
  };
  const tools = [];
  const names = new Set();
  while (tools.length < count) {
    const name = `${VERBS[Math.floor(next() * VERBS.length)]}_${word()}${next() < 0.5 ? `_${word()}` : ''}`;
    if (names.has(name)) continue;
    names.add(name);
    const properties = {};
    const parameterCount = 1 + Math.floor(next() * 6);
    for (let p = 0; p < parameterCount; p++) {
      properties[`${word()}_${word()}`] = {
        type: next() < 0.7 ? 'string' : 'number',
        description: sentence(5, 14),
      };
    }
    tools.push({
      name,
      description: `${name.split('_')[0]} ${sentence(8, 30)}.`,
      parameters: { type: 'object', properties },
    });
  }
  const queries = [];
  for (let q = 0; q < queryCount; q++) {
    const tool = tools[Math.floor(next() * tools.length)];
    const own = `${tool.name.replaceAll('_', ' ')} ${tool.description}`.split(/\s+/);
    const picked = [];
    const ownCount = 3 + Math.floor(next() * 5);
    for (let i = 0; i < ownCount; i++) picked.push(own[Math.floor(next() * own.length)]);
    const noise = 2 + Math.floor(next() * 6);
    for (let i = 0; i < noise; i++)
      picked.push(next() < 0.5 ? STOP[Math.floor(next() * STOP.length)] : word());
    for (let i = picked.length - 1; i > 0; i--) {
      const j = Math.floor(next() * (i + 1));
      [picked[i], picked[j]] = [picked[j], picked[i]];
    }
    queries.push({ query: `please ${picked.join(' ')}`, expected: [tool.name] });
  }
  return { tools, queries };
}
