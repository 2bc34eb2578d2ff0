import { mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { InvalidConfigError } from '@victor-ai/core';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { VectorFile, vectorKey } from './vector-file.js';

let dir: string;
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'vector-file-'));
});
afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

const vector = (...values: number[]) => Float32Array.from(values);

describe('VectorFile', () => {
  describe('save and load', () => {
    it('reads back every vector a save wrote, for the same model', async () => {
      const path = join(dir, 'nested', 'tools.vectors');
      const file = new VectorFile({ path, model: 'm1' });
      expect(await file.load()).toBe('missing');
      file.set(vectorKey('read a file'), vector(1, 2, 3));
      file.set(vectorKey('send mail'), vector(-1, 0.5, 0.25));
      await file.save();

      const again = new VectorFile({ path, model: 'm1' });
      expect(await again.load()).toBe('loaded');
      expect(again.size).toBe(2);
      expect([...again.get(vectorKey('read a file'))!]).toEqual([1, 2, 3]);
      expect([...again.get(vectorKey('send mail'))!]).toEqual([-1, 0.5, 0.25]);
      expect(again.get(vectorKey('unknown'))).toBeUndefined();
    });

    it('leaves no temporary file behind', async () => {
      const path = join(dir, 'tools.vectors');
      const file = new VectorFile({ path, model: 'm1' });
      file.set(vectorKey('a'), vector(1));
      await Promise.all([file.save(), file.save()]);
      expect(await readdir(dir)).toEqual(['tools.vectors']);
    });

    it('does not write when nothing changed', async () => {
      const path = join(dir, 'tools.vectors');
      await new VectorFile({ path, model: 'm1' }).save();
      expect(await readdir(dir)).toEqual([]);
    });
  });

  describe('files it must not trust', () => {
    it('ignores a file of another model and replaces it on the next save', async () => {
      const path = join(dir, 'tools.vectors');
      const other = new VectorFile({ path, model: 'other-model' });
      other.set(vectorKey('a'), vector(9, 9));
      await other.save();

      const file = new VectorFile({ path, model: 'm1' });
      expect(await file.load()).toBe('foreign');
      expect(file.get(vectorKey('a'))).toBeUndefined();
      file.set(vectorKey('a'), vector(1, 1));
      await file.save();
      const again = new VectorFile({ path, model: 'm1' });
      expect(await again.load()).toBe('loaded');
      expect([...again.get(vectorKey('a'))!]).toEqual([1, 1]);
    });

    it.each([
      ['garbage', Buffer.from('not a vector file at all')],
      ['an empty file', Buffer.alloc(0)],
      [
        'a header that is not JSON',
        Buffer.concat([Buffer.from('VICVEC01'), Buffer.from([3, 0, 0, 0]), Buffer.from('{x}')]),
      ],
      [
        'a header longer than the file',
        Buffer.concat([Buffer.from('VICVEC01'), Buffer.from([255, 0, 0, 0])]),
      ],
    ])('ignores %s', async (_name, bytes) => {
      const path = join(dir, 'tools.vectors');
      await writeFile(path, bytes);
      const file = new VectorFile({ path, model: 'm1' });
      expect(await file.load()).toBe('corrupt');
      expect(file.size).toBe(0);
    });

    it('ignores a truncated file and rebuilds it', async () => {
      const path = join(dir, 'tools.vectors');
      const file = new VectorFile({ path, model: 'm1' });
      file.set(vectorKey('a'), vector(1, 2, 3, 4));
      file.set(vectorKey('b'), vector(5, 6, 7, 8));
      await file.save();
      const bytes = await readFile(path);
      await writeFile(path, bytes.subarray(0, bytes.length - 3));

      const cut = new VectorFile({ path, model: 'm1' });
      expect(await cut.load()).toBe('corrupt');
      cut.set(vectorKey('a'), vector(1, 2, 3, 4));
      await cut.save();
      const rebuilt = new VectorFile({ path, model: 'm1' });
      expect(await rebuilt.load()).toBe('loaded');
      expect(rebuilt.size).toBe(1);
    });
  });

  describe('bounds', () => {
    it('drops the least recently used vector past maxEntries', () => {
      const file = new VectorFile({ path: join(dir, 'f'), model: 'm1', maxEntries: 2 });
      file.set('a', vector(1));
      file.set('b', vector(2));
      file.get('a');
      file.set('c', vector(3));
      expect(file.get('b')).toBeUndefined();
      expect(file.get('a')).toBeDefined();
      expect(file.get('c')).toBeDefined();
    });

    it('keeps the order of use across a save and a load', async () => {
      const [a, b, c] = ['a', 'b', 'c'].map(vectorKey);
      const written = new VectorFile({ path: join(dir, 'f'), model: 'm1', maxEntries: 2 });
      written.set(a!, vector(1));
      written.set(b!, vector(2));
      written.get(a!);
      await written.save();
      const read = new VectorFile({ path: join(dir, 'f'), model: 'm1', maxEntries: 2 });
      expect(await read.load()).toBe('loaded');
      read.set(c!, vector(3));
      expect(read.get(b!)).toBeUndefined();
      expect([...read.get(a!)!]).toEqual([1]);
    });

    it('rejects a bad path or maxEntries, naming the option', () => {
      expect(() => new VectorFile({ path: '', model: 'm' })).toThrow(InvalidConfigError);
      expect(() => new VectorFile({ path: 'x', model: 'm', maxEntries: 0 })).toThrow(
        /cacheMaxEntries must be/,
      );
    });
  });
});
