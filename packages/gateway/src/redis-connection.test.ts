import { describe, expect, it } from 'vitest';
import { hashApiKey } from './api-keys.js';
import { parseGatewayConfig } from './config/gateway-config.js';
import { startGateway } from './gateway.js';
import { parseClusterNodes } from './redis-connection.js';

// The Redis Cluster part of the configuration: each bad value gets an error naming its path and value.

const base = () => ({
  endpoints: { local: { type: 'loopback' } },
  routes: [{ alias: 'offline', endpoints: ['local'] }],
  keys: [{ id: 'k', hash: hashApiKey('sk-k') }],
  logging: { level: 'silent' },
});

describe('the redis.cluster configuration', () => {
  it.each([
    [{ redis: { cluster: [] } }, 'redis.cluster: Too small'],
    [{ redis: { cluster: ['127.0.0.1'] } }, 'redis.cluster[0]: must be host:port'],
    [{ redis: { cluster: ['127.0.0.1:7000', 'x y:1'] } }, 'redis.cluster[1]: must be host:port'],
    [{ redis: { clusterEnv: '1BAD' } }, 'redis.clusterEnv: must be an environment variable name'],
    [
      { redis: { url: 'redis://x', cluster: ['127.0.0.1:7000'] } },
      'redis.cluster: give either redis.url/urlEnv (one Redis) or redis.cluster/clusterEnv (a Redis Cluster), not both',
    ],
    [
      { redis: { cluster: ['127.0.0.1:7000'], clusterEnv: 'NODES' } },
      'redis.clusterEnv: give either redis.cluster or redis.clusterEnv, not both',
    ],
    [
      { cache: { type: 'tiered' } },
      'cache.type: "tiered" needs redis.url or redis.urlEnv (one Redis), or redis.cluster or redis.clusterEnv',
    ],
    [{ cache: { type: 'tiered', maxStalenessMs: 0 } }, 'cache.maxStalenessMs:'],
    [{ keys: [{ id: 'k', hash: hashApiKey('sk-k'), admin: 'yes' }] }, 'keys[0].admin:'],
  ])('refuses %j', (patch, message) => {
    expect(() => parseGatewayConfig({ ...base(), ...patch })).toThrow(message);
  });

  it('takes a cluster node list, and a tiered cache on it', () => {
    const config = parseGatewayConfig({
      ...base(),
      redis: { cluster: ['127.0.0.1:7000', '[::1]:7001'] },
      cache: { type: 'tiered' },
    });
    expect(config.redis?.cluster).toEqual(['127.0.0.1:7000', '[::1]:7001']);
  });

  it.each([
    ['', 'redis.clusterEnv (NODES): expected a comma-separated list of host:port nodes, got ""'],
    ['127.0.0.1:7000, nope', 'redis.clusterEnv (NODES): node 1 "nope" is not host:port (port 1-65535)'],
    ['127.0.0.1:99999', 'node 0 "127.0.0.1:99999" is not host:port'],
  ])('refuses the node list %j with a typed error naming it', (text, message) => {
    expect(() => parseClusterNodes(text, 'redis.clusterEnv (NODES)')).toThrow(message);
    expect(() => parseClusterNodes(text, 'redis.clusterEnv (NODES)')).toThrow(
      expect.objectContaining({ code: 'INVALID_CONFIG' }),
    );
  });

  it('refuses to start when redis.clusterEnv holds a bad node, naming the variable and the node', async () => {
    const config = parseGatewayConfig({ ...base(), redis: { clusterEnv: 'NODES' } });
    await expect(startGateway({ config, port: 0, env: { NODES: '127.0.0.1:7000,oops' } })).rejects.toThrow(
      'redis.clusterEnv (NODES): node 1 "oops" is not host:port',
    );
  });

  it('hides the admin route from keys without admin: true, and refuses it when the cache is off', async () => {
    const config = parseGatewayConfig({
      ...base(),
      keys: [
        { id: 'k', hash: hashApiKey('sk-k') },
        { id: 'a', hash: hashApiKey('sk-a'), admin: true },
      ],
    });
    const gateway = await startGateway({ config, port: 0 });
    try {
      const post = (key: string) =>
        fetch(`${gateway.url}/admin/cache/invalidate`, {
          method: 'POST',
          headers: { 'content-type': 'application/json', authorization: `Bearer ${key}` },
          body: JSON.stringify({ all: true }),
        });
      expect((await post('sk-k')).status).toBe(404);
      const off = await post('sk-a');
      expect(off.status).toBe(404);
      expect(JSON.stringify(await off.json())).toContain('the response cache is off');
      await expect(gateway.invalidateCache({ all: true })).rejects.toThrow('the response cache is off');
    } finally {
      await gateway.close(0);
    }
  });

  it('drops one key’s answers through gateway.invalidateCache with a memory cache', async () => {
    const config = parseGatewayConfig({ ...base(), cache: { type: 'memory' } });
    const gateway = await startGateway({ config, port: 0 });
    try {
      const ask = async () => {
        const response = await fetch(`${gateway.url}/v1/chat/completions`, {
          method: 'POST',
          headers: { 'content-type': 'application/json', authorization: 'Bearer sk-k' },
          body: JSON.stringify({
            model: 'offline',
            temperature: 0,
            messages: [{ role: 'user', content: 'hi' }],
          }),
        });
        await response.arrayBuffer();
        return response.headers.get('x-victor-cache');
      };
      expect(await ask()).toBe('miss');
      expect(await ask()).toBe('hit');
      expect(await gateway.invalidateCache({ keyId: 'k' })).toBe(1);
      expect(await ask()).toBe('miss');
      await expect(gateway.invalidateCache({ keyId: 'nobody' })).rejects.toThrow(
        'no API key with id "nobody"',
      );
    } finally {
      await gateway.close(0);
    }
  });
});
