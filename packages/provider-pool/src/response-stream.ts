import type { IncomingHttpHeaders } from 'node:http';
import type { Dispatcher } from 'undici';

/** Chunks buffered before undici is asked to stop reading the socket. */
const HIGH_WATER_CHUNKS = 16;

type Waiter = { resolve(chunk: Buffer | undefined): void; reject(error: unknown): void };

/**
 * One streamed HTTP response read straight from undici's dispatch handler: no `Readable` body and no
 * async iterator between the socket and the SSE decoder. `read()` hands over a buffered chunk at once;
 * `next()` waits for one. More than 16 unread chunks pause the socket until they are read.
 */
export class ResponseStream implements Dispatcher.DispatchHandler {
  statusCode = 0;
  headers: IncomingHttpHeaders = {};
  private controller: Dispatcher.DispatchController | undefined;
  private readonly chunks: Buffer[] = [];
  private head = 0;
  private ended = false;
  private failure: { error: unknown } | undefined;
  private pendingAbort: Error | undefined;
  private started: Waiter | undefined;
  private startedPromise: Promise<void> | undefined;
  private responded = false;
  private waiter: Waiter | undefined;
  private discardLimit = -1;
  private discarded = 0;
  private onDrained: (() => void) | undefined;
  private detachSignal: (() => void) | undefined;

  /** Resolves once the status line and headers arrived; rejects when the request failed before. */
  response(): Promise<void> {
    if (this.responded) return Promise.resolve();
    if (this.failure) return Promise.reject(this.failure.error);
    this.startedPromise ??= new Promise<void>((resolve, reject) => {
      this.started = { resolve: () => resolve(), reject };
    });
    return this.startedPromise;
  }

  /** The next buffered chunk, or `undefined` when none is buffered (see `finished`). */
  read(): Buffer | undefined {
    if (this.head >= this.chunks.length) return undefined;
    const chunk = this.chunks[this.head]!;
    this.chunks[this.head++] = undefined as unknown as Buffer;
    if (this.head === this.chunks.length) {
      this.chunks.length = 0;
      this.head = 0;
      if (this.controller?.paused) this.controller.resume();
    }
    return chunk;
  }

  /** True once the body ended and every chunk was read. */
  get finished(): boolean {
    return this.ended && this.head >= this.chunks.length;
  }

  /** The next chunk; `undefined` at the end of the body; rejects with the error that ended the request. */
  next(): Promise<Buffer | undefined> {
    const chunk = this.read();
    if (chunk !== undefined) return Promise.resolve(chunk);
    if (this.failure) return Promise.reject(this.failure.error);
    if (this.ended) return Promise.resolve(undefined);
    return new Promise((resolve, reject) => {
      this.waiter = { resolve, reject };
    });
  }

  /** The rest of the body as text (for error answers). */
  async text(): Promise<string> {
    const parts: Buffer[] = [];
    for (let chunk = await this.next(); chunk !== undefined; chunk = await this.next()) parts.push(chunk);
    return Buffer.concat(parts).toString('utf8');
  }

  /** Cancels the request when `signal` aborts, until `detach()`. */
  attach(signal: AbortSignal): void {
    // The listener reaches this response only until detach(). The signal is usually long-lived (an
    // agent's close signal, shared by every request); a removed listener's entry can stay linked from an
    // older one that the garbage collector has not visited yet, and it would then keep this response (its
    // request, headers and body) alive and promote it, request after request.
    let target: ResponseStream | undefined = this;
    const onAbort = () =>
      target?.abort(signal.reason instanceof Error ? signal.reason : new Error(String(signal.reason)));
    signal.addEventListener('abort', onAbort, { once: true });
    this.detachSignal = () => {
      target = undefined;
      signal.removeEventListener('abort', onAbort);
    };
  }

  /** Stops listening to the signal given to `attach()`. */
  detach(): void {
    const detach = this.detachSignal;
    this.detachSignal = undefined;
    detach?.();
  }

  /** Cancels the request (the socket is closed). */
  abort(reason: Error): void {
    if (this.ended || this.failure) return;
    if (this.controller) this.controller.abort(reason);
    else this.pendingAbort = reason;
  }

  /**
   * Reads and drops the rest of the body, so the socket can be reused; beyond `limit` bytes the request is
   * cancelled instead. Resolves when the body ended either way.
   */
  dump(limit: number): Promise<void> {
    this.chunks.length = 0;
    this.head = 0;
    if (this.ended || this.failure) return Promise.resolve();
    this.discardLimit = limit;
    if (this.controller?.paused) this.controller.resume();
    return new Promise((resolve) => {
      this.onDrained = resolve;
    });
  }

  onRequestStart(controller: Dispatcher.DispatchController): void {
    this.controller = controller;
    if (this.pendingAbort) controller.abort(this.pendingAbort);
  }

  onResponseStart(
    _controller: Dispatcher.DispatchController,
    statusCode: number,
    headers: IncomingHttpHeaders,
  ): void {
    this.statusCode = statusCode;
    this.headers = headers;
    this.responded = true;
    const started = this.started;
    this.started = undefined;
    started?.resolve(undefined);
  }

  onResponseData(controller: Dispatcher.DispatchController, chunk: Buffer): void {
    if (this.discardLimit >= 0) {
      this.discarded += chunk.length;
      if (this.discarded > this.discardLimit) controller.abort(new Error('the rest of the body is too long'));
      return;
    }
    const waiter = this.waiter;
    if (waiter !== undefined) {
      this.waiter = undefined;
      waiter.resolve(chunk);
      return;
    }
    this.chunks.push(chunk);
    if (this.chunks.length - this.head >= HIGH_WATER_CHUNKS) controller.pause();
  }

  onResponseEnd(): void {
    this.ended = true;
    this.settle();
    const waiter = this.waiter;
    this.waiter = undefined;
    waiter?.resolve(undefined);
  }

  onResponseError(_controller: Dispatcher.DispatchController, error: Error): void {
    this.failure = { error };
    this.settle();
    const started = this.started;
    this.started = undefined;
    started?.reject(error);
    const waiter = this.waiter;
    this.waiter = undefined;
    waiter?.reject(error);
  }

  private settle(): void {
    const drained = this.onDrained;
    this.onDrained = undefined;
    drained?.();
  }
}
