/** Where a JSON text first breaks: the offset, 1-based line and column, and what was expected there. */
export interface JsonSyntaxErrorLocation {
  offset: number;
  line: number;
  column: number;
  expected: string;
}

const WHITESPACE = new Set([0x20, 0x09, 0x0a, 0x0d]);

/**
 * Finds where a JSON text first breaks (undefined when it is valid), for error messages that say where.
 * Iterative, so any nesting depth is safe; only called once `JSON.parse` has failed.
 */
export function locateJsonSyntaxError(text: string): JsonSyntaxErrorLocation | undefined {
  let index = 0;
  const stack: Array<'object' | 'array'> = [];
  const at = (expected: string): JsonSyntaxErrorLocation => {
    let line = 1;
    let lineStart = 0;
    for (let position = 0; position < index && position < text.length; position++) {
      if (text.charCodeAt(position) === 0x0a) {
        line++;
        lineStart = position + 1;
      }
    }
    return { offset: index, line, column: index - lineStart + 1, expected };
  };
  const skipSpace = () => {
    while (index < text.length && WHITESPACE.has(text.charCodeAt(index))) index++;
  };
  const readString = (): boolean => {
    index++; // the opening quote
    while (index < text.length) {
      const code = text.charCodeAt(index);
      if (code === 0x22) {
        index++;
        return true;
      }
      if (code < 0x20) return false;
      if (code === 0x5c) {
        const next = text[index + 1];
        if (next === 'u') {
          if (!/^[0-9a-fA-F]{4}$/.test(text.slice(index + 2, index + 6))) return false;
          index += 6;
          continue;
        }
        if (next === undefined || !'"\\/bfnrt'.includes(next)) return false;
        index += 2;
        continue;
      }
      index++;
    }
    return false;
  };
  const literal = /^(?:true|false|null|-?(?:0|[1-9]\d*)(?:\.\d+)?(?:[eE][+-]?\d+)?)/;
  // Reads one value; for containers, only opens them (the loop below closes them).
  const readValue = (): JsonSyntaxErrorLocation | 'opened' | undefined => {
    skipSpace();
    const char = text[index];
    if (char === '{' || char === '[') {
      stack.push(char === '{' ? 'object' : 'array');
      index++;
      return 'opened';
    }
    if (char === '"') return readString() ? undefined : at('a valid string');
    const match = literal.exec(text.slice(index, index + 400));
    if (!match) return at('a value');
    index += match[0].length;
    return undefined;
  };

  let result = readValue();
  if (result !== undefined && result !== 'opened') return result;
  let fresh = result === 'opened';
  while (stack.length > 0) {
    skipSpace();
    const top = stack.at(-1)!;
    const closer = top === 'object' ? '}' : ']';
    if (fresh && text[index] === closer) {
      stack.pop();
      index++;
      fresh = false;
      continue;
    }
    if (!fresh) {
      if (text[index] === closer) {
        stack.pop();
        index++;
        continue;
      }
      if (text[index] !== ',') return at(`',' or '${closer}'`);
      index++;
      skipSpace();
    }
    if (top === 'object') {
      if (text[index] !== '"') return at('a property name in double quotes');
      if (!readString()) return at('a valid string');
      skipSpace();
      if (text[index] !== ':') return at("':'");
      index++;
    }
    result = readValue();
    if (result !== undefined && result !== 'opened') return result;
    fresh = result === 'opened';
  }
  skipSpace();
  if (index < text.length) return at('the end of the text');
  return undefined;
}
