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
          const points = [...new Set(cuts.map((cut) => cut % (bytes.length + 1)))].sort((a, b) => a - b);
          const chunks: Uint8Array[] = [];
          let previous = 0;
          for (const point of points) {
            chunks.push(bytes.slice(previous, point));
            previous = point;
          }
          chunks.push(bytes.slice(previous));
          expect(decodeAll(chunks).map((event) => event.data)).toEqual(datas);
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
          const points = [...new Set(cuts.map((cut) => cut % (text.length + 1)))].sort((a, b) => a - b);
          const chunks: string[] = [];
          let previous = 0;
          for (const point of points) {
            chunks.push(text.slice(previous, point));
            previous = point;
          }
          chunks.push(text.slice(previous));
          expect(decodeAll(chunks)).toEqual(reference);
        },
      ),
      { numRuns: 300 },
    );
  });
});
