import { describe, expect, it } from 'vitest';
import { nextAnswerId } from './chat-completions-route.js';

describe('nextAnswerId', () => {
  it('gives distinct ids after the prefix, with one stem per process', () => {
    const ids = Array.from({ length: 1_000 }, () => nextAnswerId('chatcmpl-'));
    expect(new Set(ids).size).toBe(1_000);
    for (const id of ids) expect(id).toMatch(/^chatcmpl-[0-9a-f]{12}[0-9a-z]+$/);
    expect(nextAnswerId('msg_').slice(4, 16)).toBe(ids[0]!.slice(9, 21));
  });
});
