import { hash } from 'node:crypto';

/**
 * Serialises a JSON-like value with object keys sorted, so the same value in any key order gives the same
 * text. `undefined` properties are left out (as JSON does); dates become ISO strings and typed arrays
 * arrays; non-finite numbers, functions, symbols, bigints and objects that are not plain (Map, Set, class
 * instances) are refused, because they would make two different values look alike.
 */
export function canonicalJson(value: unknown): string {
  return write(value, '$');
}

function write(value: unknown, path: string): string {
  switch (typeof value) {
    case 'string':
      return JSON.stringify(value);
    case 'number':
      if (!Number.isFinite(value))
        throw new TypeError(`canonicalJson: ${path} is ${value}, not a finite number`);
      return Object.is(value, -0) ? '0' : JSON.stringify(value);
    case 'boolean':
      return value ? 'true' : 'false';
    case 'object': {
      if (value === null) return 'null';
      if (Array.isArray(value)) {
        let out = '[';
        for (let i = 0; i < value.length; i++) {
          if (i > 0) out += ',';
          out += value[i] === undefined ? 'null' : write(value[i], `${path}[${i}]`);
        }
        return `${out}]`;
      }
      if (ArrayBuffer.isView(value)) {
        return write(Array.from(value as unknown as ArrayLike<number>), path);
      }
      if (value instanceof Date) return JSON.stringify(value.toISOString());
      const prototype = Object.getPrototypeOf(value);
      if (prototype !== Object.prototype && prototype !== null) {
        // A Map, Set, URL or class instance would serialise as {} and collide with every other one.
        throw new TypeError(
          `canonicalJson: ${path} is a ${prototype?.constructor?.name ?? 'non-plain object'}, not a plain object`,
        );
      }
      const record = value as Record<string, unknown>;
      const keys = Object.keys(record).sort();
      let out = '{';
      let first = true;
      for (const key of keys) {
        const item = record[key];
        if (item === undefined) continue;
        if (!first) out += ',';
        first = false;
        out += `${JSON.stringify(key)}:${write(item, `${path}.${key}`)}`;
      }
      return `${out}}`;
    }
    default:
      throw new TypeError(`canonicalJson: ${path} is a ${typeof value}, which has no JSON form`);
  }
}

/** A stable key for a JSON-like value: SHA-256 (base64url) of its canonical JSON. */
export function canonicalHash(value: unknown): string {
  // One-shot `crypto.hash`: the same digest as `createHash`, without a Hash object (a cache key is made
  // per tool call and per cached request, and the object cost more than the hashing).
  return hash('sha256', canonicalJson(value), 'base64url');
}
