import { createParser } from 'eventsource-parser';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { SseDecoder, type SseEvent } from './sse-decoder.js';

function decodeAll(chunks: Array<Uint8Array | string>): SseEvent[] {
  const decoder = new SseDecoder();
  const events: SseEvent[] = [];
  for (const chunk of chunks) events.push(...decoder.push(chunk));
  events.push(...decoder.end());
  return events;
}

/** `whole` cut into pieces at the distinct `cuts`, each taken modulo `whole.length + 1` (empty pieces allowed). */
function splitAt<T extends string | Uint8Array>(whole: T, cuts: number[]): T[] {
  const points = [...new Set(cuts.map((cut) => cut % (whole.length + 1)))].sort((a, b) => a - b);
  const pieces: T[] = [];
  let previous = 0;
  for (const point of points) {
    pieces.push(whole.slice(previous, point) as T);
    previous = point;
  }
  pieces.push(whole.slice(previous) as T);
  return pieces;
}

describe('SseDecoder', () => {
  it('decodes data events and the event name', () => {
    expect(decodeAll(['event: ping\ndata: {"a":1}\n\ndata: two\n\n'])).toEqual([
      { event: 'ping', data: '{"a":1}' },
      { event: 'message', data: 'two' },
    ]);
  });

  it('joins multi-line data and ignores comments and unknown fields', () => {
    expect(decodeAll([': keep-alive\nid: 3\ndata: a\ndata: b\nretry: 5\n\n'])).toEqual([
      { event: 'message', data: 'a\nb' },
    ]);
  });

  it('handles CRLF and CR line ends, even split between chunks', () => {
    expect(decodeAll(['data: x\r', '\n\r', '\ndata: y\r\r'])).toEqual([
      { event: 'message', data: 'x' },
      { event: 'message', data: 'y' },
    ]);
  });

  it('keeps a UTF-8 character split across chunks', () => {
    const bytes = new TextEncoder().encode('data: héllo 👋\n\n');
    expect(decodeAll([bytes.slice(0, 8), bytes.slice(8, 14), bytes.slice(14)])).toEqual([
      { event: 'message', data: 'héllo 👋' },
    ]);
  });

  it('hands over one event at a time with write() and next()', () => {
    const decoder = new SseDecoder();
    decoder.write(new TextEncoder().encode('data: one\n\nevent: e\ndata: two\n\ndata: thr'));
    expect(decoder.next()).toEqual({ event: 'message', data: 'one' });
    expect(decoder.next()).toEqual({ event: 'e', data: 'two' });
    expect(decoder.next()).toBeUndefined();
    decoder.write('ee\r');
    expect(decoder.next()).toBeUndefined();
    decoder.write('\n\r\n');
    expect(decoder.next()).toEqual({ event: 'message', data: 'three' });
    decoder.write('data: last');
    expect(decoder.next()).toBeUndefined();
    decoder.close();
    expect(decoder.next()).toEqual({ event: 'message', data: 'last' });
    expect(decoder.next()).toBeUndefined();
  });

  it('drops a leading byte-order mark, like TextDecoder', () => {
    expect(
      decodeAll([new Uint8Array([0xef, 0xbb]), new TextEncoder().encode('\ufeffdata: x\n\n').slice(2)]),
    ).toEqual([{ event: 'message', data: 'x' }]);
  });

  it('decodes invalid and cut-off UTF-8 as TextDecoder does (U+FFFD)', () => {
    const bytes = new Uint8Array([...new TextEncoder().encode('data: a'), 0xff, 0x62, 0xe2, 0x82]);
    const reference = new TextDecoder().decode(bytes).slice(6);
    expect(decodeAll([bytes.slice(0, 8), bytes.slice(8)])).toEqual([{ event: 'message', data: reference }]);
  });

  it('decodes any bytes split anywhere as a streaming TextDecoder does', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 40 }), fc.array(fc.nat(), { maxLength: 5 }), (payload, cuts) => {
        const clean = payload.map((byte) => (byte === 10 || byte === 13 ? 32 : byte));
        const bytes = new Uint8Array([...new TextEncoder().encode('data: '), ...clean, 10, 10]);
        const points = [...new Set(cuts.map((cut) => cut % (bytes.length + 1)))].sort((a, b) => a - b);
        const chunks: Uint8Array[] = [];
        const reference = new TextDecoder();
        let text = '';
        let previous = 0;
        for (const point of [...points, bytes.length]) {
          const chunk = bytes.slice(previous, point);
          chunks.push(chunk);
          text += reference.decode(chunk, { stream: true });
          previous = point;
        }
        text += reference.decode();
        const expected = text.slice(6, -2);
        expect(decodeAll(chunks)).toEqual([{ event: 'message', data: expected }]);
      }),
      { numRuns: 500 },
    );
  });

  it('dispatches a last event that lacks its blank line', () => {
    expect(decodeAll(['data: [DONE]'])).toEqual([{ event: 'message', data: '[DONE]' }]);
  });

  it('gives the same events however the bytes are split', () => {
    const payload = fc.string({ unit: 'grapheme' }).map((text) => text.replace(/[\r\n]/g, ' '));
    fc.assert(
      fc.property(
        fc.array(payload, { minLength: 1, maxLength: 8 }),
        fc.array(fc.nat(), { maxLength: 6 }),
        (datas, cuts) => {
          const text = datas.map((data) => `data: ${data}\r\n\r\n`).join('');
          const bytes = new TextEncoder().encode(text);
          expect(decodeAll(splitAt(bytes, cuts)).map((event) => event.data)).toEqual(datas);
        },
      ),
    );
  });

  it('decodes like eventsource-parser (the reference) for any mix of fields, comments and line ends', () => {
    const value = fc.string({ unit: 'grapheme', maxLength: 12 }).map((text) => text.replace(/[\r\n]/g, ' '));
    const line = fc.oneof(
      value.map((text) => `data: ${text}`),
      value.map((text) => `data:${text}`),
      value.map((text) => `event: ${text.trim() || 'x'}`),
      value.map((text) => `: ${text}`),
      fc.constant('data'),
      fc.constant('id: 7'),
      fc.constant(''),
    );
    const newline = fc.constantFrom('\n', '\r\n', '\r');
    fc.assert(
      fc.property(
        fc.array(fc.tuple(line, newline), { maxLength: 20 }),
        fc.array(fc.nat(), { maxLength: 5 }),
        (lines, cuts) => {
          const text = `${lines.map(([content, end]) => content + end).join('')}\n\n`;
          const reference: SseEvent[] = [];
          const parser = createParser({
            onEvent: (event) => reference.push({ event: event.event ?? 'message', data: event.data }),
          });
          parser.feed(text);
          expect(decodeAll(splitAt(text, cuts))).toEqual(reference);
        },
      ),
      { numRuns: 300 },
    );
  });
});
