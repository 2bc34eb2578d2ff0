import type { FinishReason, StreamEvent, VictorError } from '@victor-ai/core';
import { ConnectionError, InvalidResponseError, VictorError as VictorErrorClass } from '@victor-ai/core';
import type { StreamDecoder } from './http-provider.js';
import { parseStreamEventJson } from './stream-event-json.js';

/**
 * What the three providers' stream decoders share: `done`, each `data` payload parsed as a JSON object (a
 * malformed one ends the stream with an `INVALID_RESPONSE` error event), `[DONE]`, a body that ends early,
 * and failing with a typed error. A subclass decodes the parsed events and says how a response finishes.
 */
export abstract class JsonStreamDecoder implements StreamDecoder {
  protected finished = false;
  /** Set once the response said why it stopped: a body that ends after that is a complete answer. */
  protected finishReason: FinishReason | undefined;

  /** True once the response finished or failed; later payloads are ignored. */
  get done(): boolean {
    return this.finished;
  }

  /** Decodes one `data` payload, pushing the events it yields onto `out`. */
  push(data: string, out: StreamEvent[]): void {
    if (this.finished) return;
    if (data === '[DONE]') {
      this.onDone(out);
      return;
    }
    const event = parseStreamEventJson(data);
    if (event instanceof InvalidResponseError) {
      this.fail(out, event);
      return;
    }
    this.decode(event, out);
  }

  /** Called when the body ended: complete once a finish reason arrived, else an `error` event. */
  end(out: StreamEvent[]): void {
    if (this.finished) return;
    if (this.finishReason !== undefined) {
      // Some servers omit the last event ([DONE], message_stop): the finish reason says the answer is whole.
      this.finish(out);
      return;
    }
    this.fail(out, new ConnectionError({ message: 'stream ended before the response finished' }));
  }

  /** Decodes one parsed event. */
  protected abstract decode(event: Record<string, unknown>, out: StreamEvent[]): void;

  /** Ends the response: its last events and `finish` (or an error when it is not whole). */
  protected abstract finish(out: StreamEvent[]): void;

  /** The `[DONE]` sentinel; ignored unless the API ends its streams with it. */
  protected onDone(_out: StreamEvent[]): void {}

  /** Ends the stream with an `error` event. */
  protected fail(out: StreamEvent[], error: VictorError): void {
    this.finished = true;
    out.push({
      type: 'error',
      error: VictorErrorClass.isInstance(error)
        ? error
        : new InvalidResponseError({ message: String(error) }),
    });
  }
}
