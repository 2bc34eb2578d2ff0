import { createHash, randomBytes } from 'node:crypto';
import { mkdir, readFile, rename, rm, writeFile } from 'node:fs/promises';
import { dirname } from 'node:path';
import { invalidOption } from '@victor-ai/core';
import { LRUCache } from 'lru-cache';

/** What `VectorFile.load` found on disk. */
export type VectorFileStatus = 'not-loaded' | 'loaded' | 'missing' | 'corrupt' | 'foreign';

/** Options of a `VectorFile`. */
export interface VectorFileOptions {
  /** The file; its folder is created on the first save. */
  path: string;
  /** Identity of the model the vectors come from; a file written for another model is ignored. */
  model: string;
  /** Most vectors kept (the least recently used are dropped first); 20,000 unless set. */
  maxEntries?: number;
}

const MAGIC = Buffer.from('VICVEC01', 'latin1');
const KEY_BYTES = 32;
const LITTLE_ENDIAN = new Uint8Array(new Uint16Array([1]).buffer)[0] === 1;

/** The SHA-256 of a text (hex), the key a vector is stored under. */
export function vectorKey(text: string): string {
  return createHash('sha256').update(text).digest('hex');
}

/**
 * Vectors of texts on disk, keyed by the SHA-256 of the text, for one model. The file is binary: a magic
 * string, a JSON header (model, dimensions, count), the keys, then the vectors as float32. It is written
 * whole to a temporary file and renamed over the old one, so a reader never sees half a file; a file that
 * is truncated, malformed or written for another model is ignored (and replaced on the next save).
 */
export class VectorFile {
  readonly path: string;
  readonly model: string;
  readonly #vectors: LRUCache<string, Float32Array>;
  #status: VectorFileStatus = 'not-loaded';
  #dimensions = 0;
  #dirty = false;
  #writing: Promise<void> = Promise.resolve();

  /** Creates the store; nothing is read until `load()`. */
  constructor(options: VectorFileOptions) {
    if (typeof options?.path !== 'string' || options.path === '') {
      throw invalidOption('cacheFile', 'a non-empty path', options?.path);
    }
    const maxEntries = options.maxEntries ?? 20_000;
    if (!Number.isInteger(maxEntries) || maxEntries < 1) {
      throw invalidOption('cacheMaxEntries', 'a positive integer', options.maxEntries);
    }
    this.path = options.path;
    this.model = options.model;
    this.#vectors = new LRUCache({ max: maxEntries });
  }

  /** What the last `load()` found. */
  get status(): VectorFileStatus {
    return this.#status;
  }

  /** Vectors held in memory. */
  get size(): number {
    return this.#vectors.size;
  }

  /** Reads the file. Never throws for a missing, corrupt or foreign file: it starts empty instead. */
  async load(): Promise<VectorFileStatus> {
    let bytes: Buffer;
    try {
      bytes = await readFile(this.path);
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
      this.#status = 'missing';
      return this.#status;
    }
    this.#status = this.#parse(bytes);
    return this.#status;
  }

  #parse(bytes: Buffer): VectorFileStatus {
    if (bytes.length < MAGIC.length + 4 || !bytes.subarray(0, MAGIC.length).equals(MAGIC)) return 'corrupt';
    const headerLength = bytes.readUInt32LE(MAGIC.length);
    const headerStart = MAGIC.length + 4;
    if (headerStart + headerLength > bytes.length) return 'corrupt';
    let header: { model?: unknown; dimensions?: unknown; count?: unknown; littleEndian?: unknown };
    try {
      header = JSON.parse(bytes.toString('utf8', headerStart, headerStart + headerLength));
    } catch {
      return 'corrupt';
    }
    const { model, dimensions, count } = header ?? {};
    if (
      typeof model !== 'string' ||
      !Number.isInteger(dimensions) ||
      !Number.isInteger(count) ||
      (dimensions as number) < 1 ||
      (count as number) < 0
    ) {
      return 'corrupt';
    }
    if (model !== this.model || header.littleEndian !== LITTLE_ENDIAN) return 'foreign';
    const keysStart = headerStart + headerLength;
    const vectorsStart = keysStart + (count as number) * KEY_BYTES;
    const vectorBytes = (dimensions as number) * 4;
    if (bytes.length !== vectorsStart + (count as number) * vectorBytes) return 'corrupt';
    this.#vectors.clear();
    this.#dimensions = dimensions as number;
    for (let i = 0; i < (count as number); i++) {
      const key = bytes.toString('hex', keysStart + i * KEY_BYTES, keysStart + (i + 1) * KEY_BYTES);
      const start = vectorsStart + i * vectorBytes;
      // A copy: the file's buffer need not be 4-byte aligned, and is released after loading.
      const vector = new Float32Array(dimensions as number);
      new Uint8Array(vector.buffer).set(bytes.subarray(start, start + vectorBytes));
      this.#vectors.set(key, vector);
    }
    return 'loaded';
  }

  /** The vector stored for a key (see `vectorKey`), marking it recently used. */
  get(key: string): Float32Array | undefined {
    return this.#vectors.get(key);
  }

  /** Stores a vector (in memory until `save()`); a vector of another length than the others empties the store. */
  set(key: string, vector: Float32Array): void {
    if (this.#dimensions !== vector.length) {
      this.#vectors.clear();
      this.#dimensions = vector.length;
    }
    this.#vectors.set(key, vector);
    this.#dirty = true;
  }

  /** Writes the vectors if any changed since the last save: to a temporary file, then renamed into place. */
  save(): Promise<void> {
    // Saves run one after another, so an older snapshot never lands after a newer one.
    const next = this.#writing.then(() => this.#write());
    this.#writing = next.catch(() => {});
    return next;
  }

  async #write(): Promise<void> {
    if (!this.#dirty) return;
    this.#dirty = false;
    const count = this.#vectors.size;
    const dimensions = this.#dimensions;
    const header = Buffer.from(
      JSON.stringify({ model: this.model, dimensions, count, littleEndian: LITTLE_ENDIAN }),
      'utf8',
    );
    const bytes = Buffer.allocUnsafe(MAGIC.length + 4 + header.length + count * (KEY_BYTES + dimensions * 4));
    MAGIC.copy(bytes, 0);
    bytes.writeUInt32LE(header.length, MAGIC.length);
    header.copy(bytes, MAGIC.length + 4);
    let keyOffset = MAGIC.length + 4 + header.length;
    let vectorOffset = keyOffset + count * KEY_BYTES;
    // Least recently used first, so that loading the file back keeps the same order of use.
    for (const key of this.#vectors.rkeys()) {
      const vector = this.#vectors.peek(key)!;
      bytes.write(key, keyOffset, KEY_BYTES, 'hex');
      keyOffset += KEY_BYTES;
      bytes.set(new Uint8Array(vector.buffer, vector.byteOffset, vector.byteLength), vectorOffset);
      vectorOffset += vector.byteLength;
    }
    const temporary = `${this.path}.${process.pid}.${randomBytes(6).toString('hex')}.tmp`;
    try {
      await mkdir(dirname(this.path), { recursive: true });
      await writeFile(temporary, bytes);
      await rename(temporary, this.path);
    } catch (error) {
      this.#dirty = true;
      await rm(temporary, { force: true }).catch(() => {});
      throw error;
    }
  }
}
