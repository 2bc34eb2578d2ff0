import type { IncomingMessage, ServerResponse } from 'node:http';
import { invalidOption } from '@victor-ai/core';
import type { PerformanceMonitor } from './performance-monitor.js';

/** The content type of the Prometheus text exposition format. */
export const PROMETHEUS_CONTENT_TYPE = 'text/plain; version=0.0.4; charset=utf-8';

/** Options of {@link createMetricsHandler}. */
export interface MetricsHandlerOptions {
  /** Path served (default `/metrics`); other paths get 404. `?format=json` returns `summary()`. */
  path?: string;
}

/**
 * A `node:http` request listener serving `monitor` at `/metrics`: Prometheus text, or the JSON summary with
 * `?format=json`. GET and HEAD only; a failing snapshot answers 500 and never throws into the server.
 */
export function createMetricsHandler(
  monitor: PerformanceMonitor,
  options: MetricsHandlerOptions = {},
): (request: IncomingMessage, response: ServerResponse) => void {
  if (typeof monitor?.toPrometheus !== 'function') {
    throw invalidOption('monitor', 'a PerformanceMonitor', monitor);
  }
  const path = options.path ?? '/metrics';
  if (typeof path !== 'string' || !path.startsWith('/'))
    throw invalidOption('path', 'a path starting with /', path);
  return (request, response) => {
    const url = request.url ?? '/';
    const queryAt = url.indexOf('?');
    const pathname = queryAt === -1 ? url : url.slice(0, queryAt);
    if (pathname !== path) {
      send(response, 404, 'text/plain; charset=utf-8', 'not found\n', request.method === 'HEAD');
      return;
    }
    if (request.method !== 'GET' && request.method !== 'HEAD') {
      response.setHeader('allow', 'GET, HEAD');
      send(response, 405, 'text/plain; charset=utf-8', 'method not allowed\n', false);
      return;
    }
    const json = queryAt !== -1 && new URLSearchParams(url.slice(queryAt + 1)).get('format') === 'json';
    let body: string;
    try {
      body = json ? `${JSON.stringify(monitor.summary())}\n` : monitor.toPrometheus();
    } catch {
      send(response, 500, 'text/plain; charset=utf-8', 'metrics snapshot failed\n', false);
      return;
    }
    send(
      response,
      200,
      json ? 'application/json; charset=utf-8' : PROMETHEUS_CONTENT_TYPE,
      body,
      request.method === 'HEAD',
    );
  };
}

function send(
  response: ServerResponse,
  status: number,
  contentType: string,
  body: string,
  headOnly: boolean,
): void {
  response.statusCode = status;
  response.setHeader('content-type', contentType);
  response.setHeader('content-length', Buffer.byteLength(body));
  response.setHeader('cache-control', 'no-store');
  response.end(headOnly ? undefined : body);
}
