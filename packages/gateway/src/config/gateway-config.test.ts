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

/** Sets `value` at a dotted path of `config` (array indexes as numbers), or deletes it when `value` is undefined. */
function setAt(config: Record<string, unknown>, path: string, value: unknown): void {
  const names = path.split('.');
  const last = names.pop()!;
  const parent = names.reduce((node, name) => node[name] as Record<string, unknown>, config);
  if (value === undefined) delete parent[last];
  else parent[last] = value;
}

// Each bad configuration, as the value set at one path of a valid one (undefined: deleted), and the
// `path: problem` line its error must contain.
const cases: Array<[name: string, path: string, value: unknown, expected: string]> = [
  ['unknown fallback endpoint', 'routes.0.fallbacks', ['x'], 'routes[0].fallbacks[0]: unknown endpoint "x"'],
  [
    'unknown route endpoint',
    'routes.0.endpoints',
    ['a', 'zz'],
    'routes[0].endpoints[1]: unknown endpoint "zz"',
  ],
  [
    'duplicate alias',
    'routes.1',
    { alias: 'm', endpoints: ['a'], fallbacks: [] },
    'routes[1].alias: duplicate alias "m"',
  ],
  ['no routes', 'routes', [], 'routes:'],
  ['route without endpoints', 'routes.0.endpoints', [], 'routes[0].endpoints:'],
  ['endpoint of an unknown type', 'endpoints.a', { type: 'grpc' }, 'endpoints.a.type:'],
  ['endpoint base URL not a URL', 'endpoints.b.baseURL', 'not a url', 'endpoints.b.baseURL:'],
  ['endpoint with an unknown field', 'endpoints.a.colour', 'red', 'endpoints.a:'],
  ['anthropic without apiKeyEnv', 'endpoints.a', { type: 'anthropic' }, 'endpoints.a.apiKeyEnv:'],
  [
    'apiKeyEnv not a variable name',
    'endpoints.b.apiKeyEnv',
    '1-bad',
    'endpoints.b.apiKeyEnv: must be an environment variable name',
  ],
  [
    'key hash not sha256',
    'keys.0.hash',
    'plaintext-key',
    'keys[0].hash: must be "sha256:" and 64 lower-case hex digits',
  ],
  [
    'duplicate key id',
    'keys.1',
    { id: 'k', hash: `sha256:${'b'.repeat(64)}`, requestsPerMinute: 1 },
    'keys[1].id: duplicate key id "k"',
  ],
  [
    'duplicate key hash',
    'keys.1',
    { id: 'k2', hash: HASH, requestsPerMinute: 1 },
    'keys[1].hash: duplicate key hash',
  ],
  ['negative rate limit', 'keys.0.requestsPerMinute', -5, 'keys[0].requestsPerMinute:'],
  ['fractional rate limit', 'keys.0.requestsPerMinute', 1.5, 'keys[0].requestsPerMinute:'],
  ['budget period unknown', 'keys.0.budget', { tokens: 5, period: 'week' }, 'keys[0].budget.period:'],
  [
    'key for an unknown alias',
    'keys.0.models',
    ['m', 'gpt-9'],
    'keys[0].models[1]: unknown route alias "gpt-9"',
  ],
  ['port out of range', 'server', { port: 70_000 }, 'server.port:'],
  ['zero body limit', 'server', { limits: { maxBodyBytes: 0 } }, 'server.limits.maxBodyBytes:'],
  ['unknown limit', 'server', { limits: { maxBodySize: 10 } }, 'server.limits:'],
  [
    'redis store without redis',
    'rateLimits',
    { store: 'redis' },
    'rateLimits.store: "redis" needs redis.url or redis.urlEnv',
  ],
  [
    'redis cache without redis',
    'cache',
    { type: 'redis' },
    'cache.type: "redis" needs redis.url or redis.urlEnv',
  ],
  [
    'redis URL of another scheme',
    'redis',
    { url: 'http://x' },
    'redis.url: must start with redis:// or rediss://',
  ],
  ['fail mode unknown', 'rateLimits', { failMode: 'maybe' }, 'rateLimits.failMode:'],
  ['unknown top-level field', 'extra', 1, '(the file):'],
  ['keys missing', 'keys', undefined, 'keys:'],
  ['cache type unknown', 'cache', { type: 'disk' }, 'cache.type:'],
  ['logging level unknown', 'logging', { level: 'debug' }, 'logging.level:'],
  ['route weight zero', 'routes.0.endpoints', [{ endpoint: 'a', weight: 0 }], 'routes[0].endpoints[0]'],
  ['endpoint name with spaces', 'endpoints.bad name', { type: 'loopback' }, 'endpoints.bad name:'],
];

describe('parseGatewayConfig', () => {
  it('accepts a valid configuration', () => {
    expect(parseGatewayConfig(valid()).routes[0]!.alias).toBe('m');
  });

  it.each(cases)('refuses %s, naming the path', (_name, path, value, expected) => {
    const config = valid();
    setAt(config, path, value);
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
