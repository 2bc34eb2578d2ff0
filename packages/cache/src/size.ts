/** Default byte bound of a `MemoryCache`: 64 MiB, as `sizeOf` (or the estimate) counts them. */
export const DEFAULT_MAX_BYTES = 64 * 1024 * 1024;

/** Default cap on one entry (memory cache, response cache, tool-result cache, stream cache): 1 MiB. */
export const DEFAULT_MAX_ENTRY_BYTES = 1024 * 1024;

/**
 * An estimate of the memory a value holds, in bytes: 2 per character of a string (UTF-16), else 2 per
 * character of its JSON text; values with no JSON text (a bigint, a cycle) are walked instead. Never
 * throws.
 */
export function estimateSize(value: unknown): number {
  if (typeof value === 'string') return value.length * 2;
  try {
    const text = JSON.stringify(value);
    if (text !== undefined) return text.length * 2;
  } catch {
    // A bigint or a cycle: walk it below.
  }
  return walk(value, new Set());
}

function walk(value: unknown, seen: Set<object>): number {
  switch (typeof value) {
    case 'string':
      return value.length * 2;
    case 'bigint':
      return value.toString().length * 2;
    case 'object': {
      if (value === null || seen.has(value)) return 8;
      seen.add(value);
      let size = 16;
      if (Array.isArray(value)) for (const item of value) size += walk(item, seen);
      else
        for (const [key, item] of Object.entries(value as Record<string, unknown>)) {
          size += key.length * 2 + walk(item, seen);
        }
      return size;
    }
    default:
      return 8;
  }
}
