/** A 32-bit FNV-1a hash of a string. */
export function hash32(text: string): number {
  let hash = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) hash = Math.imul(hash ^ text.charCodeAt(i), 0x01000193);
  return hash >>> 0;
}

/**
 * Admission for a full LRU cache, after TinyLFU's doorkeeper: it remembers the hashes of recently looked-up
 * keys in a direct-mapped table (eight slots per cache entry, each holding one full 32-bit hash), and a
 * full cache takes a new key only when that key was looked up before. A stream of queries that never
 * repeat (most users' messages) then leaves a full cache as it is, instead of replacing an entry, and
 * leaving one more object for the garbage collector, on every lookup. A key whose slot another key took
 * in between needs one more lookup to get in.
 */
export class AdmissionFilter {
  readonly #seen: Uint32Array;
  readonly #mask: number;

  /** A filter for a cache of `capacity` entries. */
  constructor(capacity: number) {
    let size = 1024;
    while (size < capacity * 8 && size < 1 << 22) size *= 2;
    this.#seen = new Uint32Array(size);
    this.#mask = size - 1;
  }

  /**
   * Records a lookup of the key with this `hash32`; resolves whether it was looked up before (and may
   * therefore enter a full cache).
   */
  lookedUpBefore(hash: number): boolean {
    const slot = hash & this.#mask;
    if (this.#seen[slot] === hash) return true;
    this.#seen[slot] = hash;
    return false;
  }
}
