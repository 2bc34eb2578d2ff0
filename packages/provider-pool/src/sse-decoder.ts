/** One server-sent event: its `event` name (`message` when none was given) and its `data`. */
export interface SseEvent {
  event: string;
  data: string;
}

/**
 * Incremental server-sent-events decoder: feed it bytes as they arrive, get back the complete events.
 * Handles `\n`, `\r\n` and `\r` line ends split anywhere, multi-line `data`, comments and UTF-8 sequences
 * split across chunks. The returned array is reused by the next call: read it before pushing again.
 */
export class SseDecoder {
  private readonly textDecoder = new TextDecoder();
  private buffer = '';
  private eventName = '';
  private data = '';
  private hasData = false;
  private pendingCarriageReturn = false;
  private readonly out: SseEvent[] = [];

  /** Decodes a chunk; returns the events it completed. */
  push(chunk: Uint8Array | string): SseEvent[] {
    this.out.length = 0;
    const text = typeof chunk === 'string' ? chunk : this.textDecoder.decode(chunk, { stream: true });
    this.consume(text);
    return this.out;
  }

  /** Flushes what is left at the end of the body (an event without its closing blank line counts). */
  end(): SseEvent[] {
    this.out.length = 0;
    const rest = this.textDecoder.decode();
    this.consume(rest);
    if (this.buffer.length > 0) {
      this.line(this.buffer, 0, this.buffer.length);
      this.buffer = '';
    }
    this.dispatch();
    return this.out;
  }

  private consume(text: string): void {
    const buffer = this.buffer.length > 0 ? this.buffer + text : text;
    const length = buffer.length;
    let start = 0;
    if (this.pendingCarriageReturn) {
      this.pendingCarriageReturn = false;
      if (length > 0 && buffer.charCodeAt(0) === 10) start = 1;
    }
    // indexOf finds line ends in native code; each position is remembered so the text is scanned once.
    let lf = buffer.indexOf('\n', start);
    let cr = buffer.indexOf('\r', start);
    while (lf !== -1 || cr !== -1) {
      let end: number;
      let next: number;
      if (cr === -1 || (lf !== -1 && lf < cr)) {
        end = lf;
        next = lf + 1;
      } else {
        end = cr;
        if (cr + 1 < length) {
          next = buffer.charCodeAt(cr + 1) === 10 ? cr + 2 : cr + 1;
        } else {
          next = cr + 1;
          this.pendingCarriageReturn = true;
        }
      }
      this.line(buffer, start, end);
      start = next;
      if (lf !== -1 && lf < start) lf = buffer.indexOf('\n', start);
      if (cr !== -1 && cr < start) cr = buffer.indexOf('\r', start);
    }
    this.buffer = start >= length ? '' : buffer.slice(start);
  }

  private line(buffer: string, start: number, end: number): void {
    if (end === start) {
      this.dispatch();
      return;
    }
    const first = buffer.charCodeAt(start);
    if (first === 58 /* : */) return;
    // Fast path for the line nearly every event has: "data: ...".
    if (first === 100 && buffer.startsWith('data:', start)) {
      const valueStart = buffer.charCodeAt(start + 5) === 32 ? start + 6 : start + 5;
      const value = valueStart >= end ? '' : buffer.slice(valueStart, end);
      this.data = this.hasData ? `${this.data}\n${value}` : value;
      this.hasData = true;
      return;
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
  }

  private dispatch(): void {
    if (this.hasData) this.out.push({ event: this.eventName || 'message', data: this.data });
    this.data = '';
    this.hasData = false;
    this.eventName = '';
  }
}
