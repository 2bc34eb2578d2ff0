import type { IncomingMessage } from 'node:http';
import { HttpError } from './http-error.js';

/** Options of `readBody`. */
export interface ReadBodyOptions {
  /** Largest body accepted, in bytes; default 4 MiB. */
  maxBytes?: number;
}

/** The default `maxBytes` of `readBody` and of the hardened server. */
export const DEFAULT_MAX_BODY_BYTES = 4 * 1024 * 1024;

function tooLarge(maxBytes: number, seen: string): HttpError {
  return new HttpError({
    status: 413,
    reason: 'body_too_large',
    message: `the request body (${seen}) is larger than the limit of ${maxBytes} bytes (maxBodyBytes)`,
    closeConnection: true,
  });
}

/**
 * Reads a request body up to `maxBytes`, with or without `content-length` (chunked). A body over the limit
 * rejects with an `HttpError` 413 as soon as it is known to be over (from `content-length`, before reading
 * anything), without destroying the connection: the caller answers, and the answer closes it.
 */
export function readBody(request: IncomingMessage, options: ReadBodyOptions = {}): Promise<Buffer> {
  const maxBytes = options.maxBytes ?? DEFAULT_MAX_BODY_BYTES;
  const declared = request.headers['content-length'];
  if (declared !== undefined && Number(declared) > maxBytes) {
    return Promise.reject(tooLarge(maxBytes, `content-length ${declared}`));
  }
  return new Promise((resolvePromise, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    const cleanup = () => {
      request.off('data', onData);
      request.off('end', onEnd);
      request.off('error', onError);
      request.off('close', onClose);
    };
    const onData = (chunk: Buffer) => {
      size += chunk.length;
      if (size > maxBytes) {
        cleanup();
        chunks.length = 0;
        reject(tooLarge(maxBytes, `over ${maxBytes} bytes received`));
        return;
      }
      chunks.push(chunk);
    };
    const onEnd = () => {
      cleanup();
      resolvePromise(chunks.length === 1 ? chunks[0]! : Buffer.concat(chunks, size));
    };
    const onError = (error: Error) => {
      cleanup();
      reject(error);
    };
    const onClose = () => {
      cleanup();
      reject(
        new HttpError({
          status: 400,
          reason: 'invalid_request',
          message: 'the client closed the connection before the request body ended',
        }),
      );
    };
    request.on('data', onData);
    request.on('end', onEnd);
    request.on('error', onError);
    request.on('close', onClose);
  });
}
