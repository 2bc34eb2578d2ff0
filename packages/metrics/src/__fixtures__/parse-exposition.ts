// A strict parser of the Prometheus text exposition format (0.0.4), for tests: it throws on anything
// Prometheus would reject and checks histogram/summary consistency the way promtool does.

export interface ParsedSample {
  name: string;
  labels: Record<string, string>;
  value: number;
}

export interface ParsedFamily {
  name: string;
  help: string | undefined;
  type: string;
  samples: ParsedSample[];
}

const NAME = /^[a-zA-Z_:][a-zA-Z0-9_:]*/;
const LABEL_NAME = /^[a-zA-Z_][a-zA-Z0-9_]*/;
const TYPES = new Set(['counter', 'gauge', 'histogram', 'summary', 'untyped']);

function parseValue(text: string, line: string): number {
  if (text === '+Inf' || text === 'Inf') return Number.POSITIVE_INFINITY;
  if (text === '-Inf') return Number.NEGATIVE_INFINITY;
  if (text === 'NaN') return Number.NaN;
  if (!/^[-+]?(\d+\.?\d*|\.\d+)([eE][-+]?\d+)?$/.test(text)) throw new Error(`bad value ${text} in: ${line}`);
  return Number(text);
}

function unescapeHelp(text: string, line: string): string {
  return text.replace(/\\(.?)/g, (_, next: string) => {
    if (next === '\\') return '\\';
    if (next === 'n') return '\n';
    throw new Error(`bad escape in HELP: ${line}`);
  });
}

function parseLabels(text: string, line: string): { labels: Record<string, string>; rest: string } {
  const labels: Record<string, string> = {};
  let rest = text.slice(1);
  for (;;) {
    if (rest.startsWith('}')) return { labels, rest: rest.slice(1) };
    const name = LABEL_NAME.exec(rest)?.[0];
    if (name === undefined) throw new Error(`bad label name in: ${line}`);
    if (name in labels) throw new Error(`duplicate label ${name} in: ${line}`);
    rest = rest.slice(name.length);
    if (!rest.startsWith('="')) throw new Error(`expected =" after ${name} in: ${line}`);
    rest = rest.slice(2);
    let value = '';
    for (;;) {
      const character = rest[0];
      if (character === undefined) throw new Error(`unterminated label value in: ${line}`);
      rest = rest.slice(1);
      if (character === '"') break;
      if (character === '\\') {
        const escaped = rest[0];
        rest = rest.slice(1);
        if (escaped === '\\') value += '\\';
        else if (escaped === '"') value += '"';
        else if (escaped === 'n') value += '\n';
        else throw new Error(`bad escape \\${escaped} in: ${line}`);
      } else {
        value += character;
      }
    }
    labels[name] = value;
    if (rest.startsWith(',')) rest = rest.slice(1);
    else if (!rest.startsWith('}')) throw new Error(`expected , or } in: ${line}`);
  }
}

function familyOf(sampleName: string, families: Map<string, ParsedFamily>): ParsedFamily | undefined {
  const direct = families.get(sampleName);
  if (direct !== undefined) return direct;
  for (const suffix of ['_bucket', '_sum', '_count']) {
    if (!sampleName.endsWith(suffix)) continue;
    const family = families.get(sampleName.slice(0, -suffix.length));
    if (family === undefined) continue;
    if (family.type === 'histogram' || (family.type === 'summary' && suffix !== '_bucket')) return family;
  }
  return undefined;
}

/** Parses exposition text into families; throws with the offending line on any violation. */
export function parseExposition(text: string): Map<string, ParsedFamily> {
  if (text !== '' && !text.endsWith('\n')) throw new Error('exposition must end with a line feed');
  const families = new Map<string, ParsedFamily>();
  const seenSeries = new Set<string>();
  let current: ParsedFamily | undefined;
  for (const line of text.split('\n')) {
    if (line === '') continue;
    if (line.startsWith('#')) {
      const match = /^# (HELP|TYPE) ([^ ]+) ?(.*)$/.exec(line);
      if (match === null) continue;
      const [, keyword, name, rest] = match as unknown as [string, string, string, string];
      if (!NAME.test(name) || NAME.exec(name)?.[0] !== name) throw new Error(`bad metric name in: ${line}`);
      let family = families.get(name);
      if (family === undefined) {
        family = { name, help: undefined, type: '', samples: [] };
        families.set(name, family);
      } else if (family.samples.length > 0) {
        throw new Error(`metadata after samples for ${name}: ${line}`);
      }
      if (keyword === 'HELP') {
        if (family.help !== undefined) throw new Error(`second HELP for ${name}`);
        family.help = unescapeHelp(rest, line);
      } else {
        if (family.type !== '') throw new Error(`second TYPE for ${name}`);
        if (!TYPES.has(rest)) throw new Error(`bad type ${rest} in: ${line}`);
        family.type = rest;
      }
      current = family;
      continue;
    }
    const name = NAME.exec(line)?.[0];
    if (name === undefined) throw new Error(`bad sample line: ${line}`);
    let rest = line.slice(name.length);
    let labels: Record<string, string> = {};
    if (rest.startsWith('{')) ({ labels, rest } = parseLabels(rest, line));
    if (!rest.startsWith(' ')) throw new Error(`expected a space before the value in: ${line}`);
    const fields = rest.trim().split(/ +/);
    if (fields.length < 1 || fields.length > 2) throw new Error(`bad value fields in: ${line}`);
    const value = parseValue(fields[0]!, line);
    const family = familyOf(name, families);
    if (family === undefined || family !== current) throw new Error(`sample outside its family: ${line}`);
    const key = `${name}${JSON.stringify(Object.entries(labels).sort())}`;
    if (seenSeries.has(key)) throw new Error(`duplicate series: ${line}`);
    seenSeries.add(key);
    family.samples.push({ name, labels, value });
  }
  for (const family of families.values()) checkFamily(family);
  return families;
}

function withoutLabel(labels: Record<string, string>, name: string): string {
  return JSON.stringify(
    Object.entries(labels)
      .filter(([key]) => key !== name)
      .sort(),
  );
}

function checkFamily(family: ParsedFamily): void {
  if (family.type === 'counter') {
    for (const sample of family.samples) {
      if (sample.value < 0 || Number.isNaN(sample.value)) throw new Error(`negative counter ${sample.name}`);
    }
  }
  if (family.type !== 'histogram' && family.type !== 'summary') return;
  const groups = new Map<string, { buckets: [number, number][]; count?: number; sum?: number }>();
  for (const sample of family.samples) {
    const isBucket = sample.name.endsWith('_bucket');
    const isQuantile = sample.name === family.name;
    const special = isBucket ? 'le' : isQuantile ? 'quantile' : '';
    const key = withoutLabel(sample.labels, special);
    let group = groups.get(key);
    if (group === undefined) {
      group = { buckets: [] };
      groups.set(key, group);
    }
    if (isBucket) {
      const le = sample.labels.le;
      if (le === undefined) throw new Error(`bucket without le: ${sample.name}`);
      group.buckets.push([parseValue(le, le), sample.value]);
    } else if (isQuantile) {
      const quantile = sample.labels.quantile;
      if (family.type !== 'summary' || quantile === undefined) throw new Error(`bad sample ${sample.name}`);
      const q = parseValue(quantile, quantile);
      if (!(q >= 0 && q <= 1)) throw new Error(`quantile out of range: ${quantile}`);
    } else if (sample.name.endsWith('_count')) {
      group.count = sample.value;
    } else {
      group.sum = sample.value;
    }
  }
  for (const group of groups.values()) {
    if (group.count === undefined || group.sum === undefined)
      throw new Error(`${family.name}: _sum/_count missing`);
    if (family.type !== 'histogram') continue;
    const last = group.buckets.at(-1);
    if (last === undefined || last[0] !== Number.POSITIVE_INFINITY)
      throw new Error(`${family.name}: no +Inf bucket`);
    if (last[1] !== group.count) throw new Error(`${family.name}: +Inf bucket differs from _count`);
    for (let index = 1; index < group.buckets.length; index++) {
      const [previousLe, previousCount] = group.buckets[index - 1]!;
      const [le, count] = group.buckets[index]!;
      if (!(le > previousLe)) throw new Error(`${family.name}: le not ascending`);
      if (count < previousCount) throw new Error(`${family.name}: bucket counts not cumulative`);
    }
  }
}
