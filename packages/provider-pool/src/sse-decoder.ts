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
      this.line(this.buffer);
      this.buffer = '';
    }
    this.dispatch();
    return this.out;
  }

  private consume(text: string): void {
    let buffer = this.buffer + text;
    let start = 0;
    if (this.pendingCarriageReturn && buffer.charCodeAt(0) === 10) start = 1;
    this.pendingCarriageReturn = false;
    const length = buffer.length;
    for (let i = start; i < length; i++) {
      const code = buffer.charCodeAt(i);
      if (code === 10 || code === 13) {
        this.line(buffer.slice(start, i));
        if (code === 13) {
          if (i + 1 < length) {
            if (buffer.charCodeAt(i + 1) === 10) i++;
          } else {
            this.pendingCarriageReturn = true;
          }
        }
        start = i + 1;
      }
    }
    buffer = start >= length ? '' : buffer.slice(start);
    this.buffer = buffer;
  }

  private line(line: string): void {
    if (line.length === 0) {
      this.dispatch();
      return;
    }
    if (line.charCodeAt(0) === 58 /* : */) return;
    const colon = line.indexOf(':');
    const field = colon === -1 ? line : line.slice(0, colon);
    let value = colon === -1 ? '' : line.slice(colon + 1);
    if (value.charCodeAt(0) === 32) value = value.slice(1);
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
