/** One server-sent event: its `event` name (`message` when none was given) and its `data`. */
export interface SseEvent {
  event: string;
  data: string;
}

/** Position of a line end not looked for yet (any index below the scan start). */
const UNKNOWN = -2;

/**
 * Incremental server-sent-events decoder: feed it bytes as they arrive, get back the complete events.
 * Handles `\n`, `\r\n` and `\r` line ends split anywhere, multi-line `data`, comments, a leading BOM and
 * UTF-8 sequences split across chunks.
 *
 * Two ways to read it: `push(chunk)` returns every event the chunk completed (the array is reused by the
 * next call), or `write(chunk)` then `next()` until it returns `undefined`, which parses one event at a
 * time, so the first event of a large chunk is handed over before the rest of the chunk is scanned.
 */
export class SseDecoder {
  /** Decoded text not yet scanned past `pos`. */
  private text = '';
  private pos = 0;
  /** Where the next `\n` / `\r` at or after `pos` is, -1 for none in `text`, UNKNOWN when not looked for. */
  private lf = UNKNOWN;
  private cr = UNKNOWN;
  /** The bytes of a UTF-8 sequence cut off at the end of the last chunk. */
  private partial: Uint8Array | undefined;
  private started = false;
  private ended = false;
  private eventName = '';
  private data = '';
  private hasData = false;
  private pendingCarriageReturn = false;
  private readonly out: SseEvent[] = [];

  /** Decodes a chunk; returns the events it completed (the array is reused by the next call). */
  push(chunk: Uint8Array | string): SseEvent[] {
    this.write(chunk);
    return this.drain();
  }

  /** Flushes what is left at the end of the body (an event without its closing blank line counts). */
  end(): SseEvent[] {
    this.close();
    return this.drain();
  }

  /** Adds a chunk of the body; read the events it completes with `next()`. */
  write(chunk: Uint8Array | string): void {
    let text = typeof chunk === 'string' ? chunk : this.decode(chunk);
    if (!this.started && text.length > 0) {
      this.started = true;
      if (text.charCodeAt(0) === 0xfeff) text = text.slice(1);
    }
    this.text = this.pos < this.text.length ? this.text.slice(this.pos) + text : text;
    this.pos = 0;
    this.lf = UNKNOWN;
    this.cr = UNKNOWN;
  }

  /** Marks the end of the body: `next()` then also returns a last event that lacks its blank line. */
  close(): void {
    if (this.ended) return;
    if (this.partial !== undefined) {
      // A sequence cut off by the end of the body decodes to U+FFFD, as TextDecoder would.
      const rest = utf8(this.partial);
      this.partial = undefined;
      this.write(rest);
    }
    this.ended = true;
  }

  /** The next complete event in what was written, or `undefined` when it holds no more. */
  next(): SseEvent | undefined {
    const text = this.text;
    const length = text.length;
    let start = this.pos;
    if (this.pendingCarriageReturn && start < length) {
      this.pendingCarriageReturn = false;
      if (text.charCodeAt(start) === 10) start++;
    }
    // indexOf finds line ends in native code; each position is remembered so the text is scanned once.
    let lf = this.lf;
    let cr = this.cr;
    for (;;) {
      if (lf !== -1 && lf < start) lf = text.indexOf('\n', start);
      if (cr !== -1 && cr < start) cr = text.indexOf('\r', start);
      if (lf === -1 && cr === -1) break;
      let end: number;
      let next: number;
      if (cr === -1 || (lf !== -1 && lf < cr)) {
        end = lf;
        next = lf + 1;
      } else {
        end = cr;
        if (cr + 1 < length) {
          next = text.charCodeAt(cr + 1) === 10 ? cr + 2 : cr + 1;
        } else {
          next = cr + 1;
          this.pendingCarriageReturn = true;
        }
      }
      const event = this.line(text, start, end);
      start = next;
      if (event !== undefined) {
        this.pos = start;
        this.lf = lf;
        this.cr = cr;
        return event;
      }
    }
    this.pos = start;
    this.lf = lf;
    this.cr = cr;
    if (!this.ended) return undefined;
    // The body ended: a last line without its line end, then an event without its blank line.
    if (start < length) {
      this.pos = length;
      const event = this.line(text, start, length);
      if (event !== undefined) return event;
    }
    return this.dispatch();
  }

  private drain(): SseEvent[] {
    const out = this.out;
    out.length = 0;
    for (let event = this.next(); event !== undefined; event = this.next()) out.push(event);
    return out;
  }

  /** UTF-8 text of a chunk; the bytes of a sequence it cuts off wait for the next chunk. */
  private decode(bytes: Uint8Array): string {
    let input = bytes;
    if (this.partial !== undefined) {
      const joined = new Uint8Array(this.partial.length + bytes.length);
      joined.set(this.partial);
      joined.set(bytes, this.partial.length);
      input = joined;
      this.partial = undefined;
    }
    const cut = incompleteTail(input);
    if (cut > 0) {
      this.partial = input.slice(input.length - cut);
      input = input.subarray(0, input.length - cut);
    }
    return utf8(input);
  }

  /** Reads one line (without its line end); returns the event a blank line completes. */
  private line(buffer: string, start: number, end: number): SseEvent | undefined {
    if (end === start) return this.dispatch();
    const first = buffer.charCodeAt(start);
    if (first === 58 /* : */) return undefined;
    // Fast path for the line nearly every event has: "data: ...".
    if (first === 100 && buffer.startsWith('data:', start)) {
      const valueStart = buffer.charCodeAt(start + 5) === 32 ? start + 6 : start + 5;
      const value = valueStart >= end ? '' : buffer.slice(valueStart, end);
      this.data = this.hasData ? `${this.data}\n${value}` : value;
      this.hasData = true;
      return undefined;
    }
    const colon = buffer.indexOf(':', start);
    const fieldEnd = colon === -1 || colon > end ? end : colon;
    const field = buffer.slice(start, fieldEnd);
    let valueStart = fieldEnd === end ? end : fieldEnd + 1;
    if (valueStart < end && buffer.charCodeAt(valueStart) === 32) valueStart++;
    const value = buffer.slice(valueStart, end);
    if (field === 'data') {
      this.data = this.hasData ? `${this.data}\n${value}` : value;
      this.hasData = true;
    } else if (field === 'event') {
      this.eventName = value;
    }
    return undefined;
  }

  private dispatch(): SseEvent | undefined {
    const event = this.hasData ? { event: this.eventName || 'message', data: this.data } : undefined;
    this.data = '';
    this.hasData = false;
    this.eventName = '';
    return event;
  }
}

/**
 * How many bytes at the end of `bytes` begin a UTF-8 sequence that the chunk cuts off (0 to 3). Invalid
 * bytes count as complete: decoding replaces them with U+FFFD.
 */
function incompleteTail(bytes: Uint8Array): number {
  const length = bytes.length;
  const last = length === 0 ? 0 : bytes[length - 1]!;
  if (last < 0x80) return 0;
  for (let back = 1; back <= 3 && back <= length; back++) {
    const byte = bytes[length - back]!;
    if ((byte & 0xc0) === 0x80) continue; // a continuation byte: look further back for the lead byte
    const needed = byte >= 0xf0 ? 4 : byte >= 0xe0 ? 3 : byte >= 0xc0 ? 2 : 1;
    return needed > back ? back : 0;
  }
  return 0;
}

/** UTF-8 text of whole sequences: Buffer's decoder, several times faster than a streaming TextDecoder. */
function utf8(bytes: Uint8Array): string {
  return Buffer.isBuffer(bytes)
    ? bytes.toString('utf8')
    : Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('utf8');
}
