import { describe, expect, it } from 'vitest';
import { collectEvents } from './collect-events.js';

describe('collectEvents', () => {
  it('returns every event of the stream, in order', async () => {
    async function* three() {
      yield 'a';
      yield 'b';
      yield 'c';
    }
    await expect(collectEvents(three())).resolves.toEqual(['a', 'b', 'c']);
  });

  it('rejects with the error that ends the stream', async () => {
    async function* failing() {
      yield 1;
      throw new Error('cut');
    }
    await expect(collectEvents(failing())).rejects.toThrow('cut');
  });
});
