import { createServer, request as httpRequest, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { InvalidConfigError, MetricNames } from '@victor-ai/core';
import { afterEach, describe, expect, it } from 'vitest';
import { parseExposition } from './__fixtures__/parse-exposition.js';
import { createMetricsHandler, PROMETHEUS_CONTENT_TYPE } from './metrics-handler.js';
import { createPerformanceMonitor, type PerformanceMonitor } from './performance-monitor.js';

interface Answer {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: string;
}

let server: Server | undefined;

async function serve(handler: ReturnType<typeof createMetricsHandler>): Promise<number> {
  server = createServer(handler);
  await new Promise<void>((resolve) => server!.listen(0, '127.0.0.1', resolve));
  return (server.address() as AddressInfo).port;
}

function fetchText(port: number, path: string, method = 'GET'): Promise<Answer> {
  return new Promise((resolve, reject) => {
    const outgoing = httpRequest({ host: '127.0.0.1', port, path, method, agent: false }, (response) => {
      let body = '';
      response.setEncoding('utf8');
      response.on('data', (chunk: string) => {
        body += chunk;
      });
      response.on('end', () =>
        resolve({ status: response.statusCode ?? 0, headers: response.headers, body }),
      );
    });
    outgoing.on('error', reject);
    outgoing.end();
  });
}

afterEach(async () => {
  await new Promise<void>((resolve) => (server ? server.close(() => resolve()) : resolve()));
  server = undefined;
});

describe('createMetricsHandler', () => {
  it('should serve valid Prometheus text at /metrics over loopback', async () => {
    const monitor = createPerformanceMonitor();
    monitor.increment(MetricNames.cacheHits, { cache: 'tools' }, 2);
    monitor.observe(MetricNames.toolDuration, 0.02, { tool: 'search', outcome: 'ok' });
    const port = await serve(createMetricsHandler(monitor));
    const answer = await fetchText(port, '/metrics');
    expect(answer.status).toBe(200);
    expect(answer.headers['content-type']).toBe(PROMETHEUS_CONTENT_TYPE);
    expect(answer.headers['cache-control']).toBe('no-store');
    const families = parseExposition(answer.body);
    expect(families.get(MetricNames.cacheHits)?.samples[0]).toEqual({
      name: MetricNames.cacheHits,
      labels: { cache: 'tools' },
      value: 2,
    });
    expect(Number(answer.headers['content-length'])).toBe(Buffer.byteLength(answer.body));
  });

  it('should serve the JSON summary with ?format=json', async () => {
    const monitor = createPerformanceMonitor();
    monitor.increment(MetricNames.cacheMisses, { cache: 'tools' });
    const port = await serve(createMetricsHandler(monitor));
    const answer = await fetchText(port, '/metrics?format=json');
    expect(answer.headers['content-type']).toBe('application/json; charset=utf-8');
    expect(JSON.parse(answer.body).cacheHitRates[0]).toMatchObject({ cache: 'tools', misses: 1, hitRate: 0 });
  });

  it('should answer HEAD without a body, 405 for other methods, 404 for other paths', async () => {
    const port = await serve(createMetricsHandler(createPerformanceMonitor(), { path: '/internal/metrics' }));
    const head = await fetchText(port, '/internal/metrics', 'HEAD');
    expect(head.status).toBe(200);
    expect(head.body).toBe('');
    const post = await fetchText(port, '/internal/metrics', 'POST');
    expect(post.status).toBe(405);
    expect(post.headers.allow).toBe('GET, HEAD');
    expect((await fetchText(port, '/metrics')).status).toBe(404);
  });

  it('should answer 500 when the snapshot throws, and keep serving', async () => {
    let fail = true;
    const monitor = createPerformanceMonitor();
    const broken: PerformanceMonitor = Object.assign(Object.create(monitor), {
      toPrometheus: () => {
        if (fail) throw new Error('boom');
        return monitor.toPrometheus();
      },
    });
    const port = await serve(createMetricsHandler(broken));
    expect((await fetchText(port, '/metrics')).status).toBe(500);
    fail = false;
    expect((await fetchText(port, '/metrics')).status).toBe(200);
  });

  it('should check its options', () => {
    expect(() => createMetricsHandler({} as PerformanceMonitor)).toThrow(InvalidConfigError);
    expect(() => createMetricsHandler(createPerformanceMonitor(), { path: 'metrics' })).toThrow(
      /path must be a path starting with \/, got "metrics"/,
    );
  });
});
