import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadGatewayConfig, parseGatewayConfig } from './gateway-config.js';

const HASH = `sha256:${'a'.repeat(64)}`;
const valid = () => ({
  endpoints: { a: { type: 'loopback' }, b: { type: 'openai-compatible', baseURL: 'http://127.0.0.1:1/v1' } },
  routes: [{ alias: 'm', endpoints: ['a'], fallbacks: ['b'] }],
  keys: [{ id: 'k', hash: HASH, requestsPerMinute: 10 }],
});

type Mutation = (config: ReturnType<typeof valid> & Record<string, unknown>) => void;

// Each bad configuration and the `path: problem` line its error must contain.
const cases: Array<[string, Mutation, string]> = [
  [
    'unknown fallback endpoint',
    (c) => {
      c.routes[0]!.fallbacks = ['x'];
    },
    'routes[0].fallbacks[0]: unknown endpoint "x"',
  ],
  [
    'unknown route endpoint',
    (c) => {
      c.routes[0]!.endpoints = ['a', 'zz'];
    },
    'routes[0].endpoints[1]: unknown endpoint "zz"',
  ],
  [
    'duplicate alias',
    (c) => void c.routes.push({ alias: 'm', endpoints: ['a'], fallbacks: [] }),
    'routes[1].alias: duplicate alias "m"',
  ],
  [
    'no routes',
    (c) => {
      c.routes = [];
    },
    'routes:',
  ],
  [
    'route without endpoints',
    (c) => {
      c.routes[0]!.endpoints = [];
    },
    'routes[0].endpoints:',
  ],
  [
    'endpoint of an unknown type',
    (c) => {
      c.endpoints.a = { type: 'grpc' } as never;
    },
    'endpoints.a.type:',
  ],
  [
    'endpoint base URL not a URL',
    (c) => {
      c.endpoints.b.baseURL = 'not a url';
    },
    'endpoints.b.baseURL:',
  ],
  [
    'endpoint with an unknown field',
    (c) => {
      (c.endpoints.a as Record<string, unknown>).colour = 'red';
    },
    'endpoints.a:',
  ],
  [
    'anthropic without apiKeyEnv',
    (c) => {
      c.endpoints.a = { type: 'anthropic' } as never;
    },
    'endpoints.a.apiKeyEnv:',
  ],
  [
    'apiKeyEnv not a variable name',
    (c) => {
      c.endpoints.b = { ...c.endpoints.b, apiKeyEnv: '1-bad' } as never;
    },
    'endpoints.b.apiKeyEnv: must be an environment variable name',
  ],
  [
    'key hash not sha256',
    (c) => {
      c.keys[0]!.hash = 'plaintext-key';
    },
    'keys[0].hash: must be "sha256:" and 64 lower-case hex digits',
  ],
  [
    'duplicate key id',
    (c) => void c.keys.push({ id: 'k', hash: `sha256:${'b'.repeat(64)}`, requestsPerMinute: 1 }),
    'keys[1].id: duplicate key id "k"',
  ],
  [
    'duplicate key hash',
    (c) => void c.keys.push({ id: 'k2', hash: HASH, requestsPerMinute: 1 }),
    'keys[1].hash: duplicate key hash',
  ],
  [
    'negative rate limit',
    (c) => {
      c.keys[0]!.requestsPerMinute = -5;
    },
    'keys[0].requestsPerMinute:',
  ],
  [
    'fractional rate limit',
    (c) => {
      c.keys[0]!.requestsPerMinute = 1.5;
    },
    'keys[0].requestsPerMinute:',
  ],
  [
    'budget period unknown',
    (c) => {
      (c.keys[0] as Record<string, unknown>).budget = { tokens: 5, period: 'week' };
    },
    'keys[0].budget.period:',
  ],
  [
    'key for an unknown alias',
    (c) => {
      (c.keys[0] as Record<string, unknown>).models = ['m', 'gpt-9'];
    },
    'keys[0].models[1]: unknown route alias "gpt-9"',
  ],
  [
    'port out of range',
    (c) => {
      c.server = { port: 70_000 };
    },
    'server.port:',
  ],
  [
    'zero body limit',
    (c) => {
      c.server = { limits: { maxBodyBytes: 0 } };
    },
    'server.limits.maxBodyBytes:',
  ],
  [
    'unknown limit',
    (c) => {
      c.server = { limits: { maxBodySize: 10 } };
    },
    'server.limits:',
  ],
  [
    'redis store without redis',
    (c) => {
      c.rateLimits = { store: 'redis' };
    },
    'rateLimits.store: "redis" needs redis.url or redis.urlEnv',
  ],
  [
    'redis cache without redis',
    (c) => {
      c.cache = { type: 'redis' };
    },
    'cache.type: "redis" needs redis.url or redis.urlEnv',
  ],
  [
    'redis URL of another scheme',
    (c) => {
      c.redis = { url: 'http://x' };
    },
    'redis.url: must start with redis:// or rediss://',
  ],
  [
    'fail mode unknown',
    (c) => {
      c.rateLimits = { failMode: 'maybe' };
    },
    'rateLimits.failMode:',
  ],
  [
    'unknown top-level field',
    (c) => {
      c.extra = 1;
    },
    '(the file):',
  ],
  ['keys missing', (c) => void delete (c as Record<string, unknown>).keys, 'keys:'],
  [
    'cache type unknown',
    (c) => {
      c.cache = { type: 'disk' };
    },
    'cache.type:',
  ],
  [
    'logging level unknown',
    (c) => {
      c.logging = { level: 'debug' };
    },
    'logging.level:',
  ],
  [
    'route weight zero',
    (c) => {
      c.routes[0]!.endpoints = [{ endpoint: 'a', weight: 0 }] as never;
    },
    'routes[0].endpoints[0]',
  ],
  [
    'endpoint name with spaces',
    (c) => {
      (c.endpoints as Record<string, unknown>)['bad name'] = { type: 'loopback' };
    },
    'endpoints.bad name:',
  ],
];

describe('parseGatewayConfig', () => {
  it('accepts a valid configuration', () => {
    expect(parseGatewayConfig(valid()).routes[0]!.alias).toBe('m');
  });

  it.each(cases)('refuses %s, naming the path', (_name, mutate, expected) => {
    const config = valid() as ReturnType<typeof valid> & Record<string, unknown>;
    mutate(config);
    expect(() => parseGatewayConfig(config, 'gateway.json')).toThrow(expected);
  });

  it('lists every problem, not only the first', () => {
    const config = valid();
    config.routes[0]!.fallbacks = ['x', 'y'];
    expect(() => parseGatewayConfig(config)).toThrow(
      /fallbacks\[0\]: unknown endpoint "x"\n\s+routes\[0\]\.fallbacks\[1\]: unknown endpoint "y"/,
    );
  });
});

describe('loadGatewayConfig', () => {
  const dir = mkdtempSync(join(tmpdir(), 'gateway-config-'));

  it('says where a file that is not JSON breaks', () => {
    const file = join(dir, 'broken.json');
    writeFileSync(file, '{\n  "endpoints": {,\n}');
    expect(() => loadGatewayConfig(file)).toThrow(
      `${file} is not valid JSON: expected a property name in double quotes at line 2, column 17`,
    );
  });

  it('names a file it cannot read', () => {
    expect(() => loadGatewayConfig(join(dir, 'missing.json'))).toThrow('cannot read the configuration file');
  });

  it('loads the offline example shipped in the package', () => {
    const config = loadGatewayConfig(
      new URL('../../examples/gateway.offline.json', import.meta.url).pathname,
    );
    expect(config.routes.map((route) => route.alias)).toEqual(['offline']);
    expect(config.keys[0]!.requestsPerMinute).toBe(60);
  });
});
