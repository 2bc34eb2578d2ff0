import { randomUUID } from 'node:crypto';
import type { Clock, MetricsSink } from '@victor-ai/core';
import {
  abortReason,
  CacheUnavailableError,
  invalidOption,
  noopMetricsSink,
  systemClock,
} from '@victor-ai/core';
import { Cluster, type ClusterNode, Redis } from 'ioredis';
import { CACHE_METRICS, CacheCounters, CacheMetricLabels } from './cache-metrics.js';
import type { ComputeFunction, GetOrComputeOptions } from './get-or-compute.js';
import { getOrCompute } from './get-or-compute.js';
import { checkName, checkNonNegativeInteger, checkPositiveInteger, WriteDefaults } from './options.js';
import type {
  CacheLookup,
  CacheStats,
  CacheWarningHandler,
  CacheWriteOptions,
  ComputeLock,
  VictorCache,
} from './types.js';

/** Options of a `RedisCache`; checked when it is built. */
export interface RedisCacheOptions {
  /** Names the cache in metrics and in its keys. */
  name: string;
  /** Redis URL of the connection the cache opens (and closes). Default `redis://127.0.0.1:6379`. */
  url?: string;
  /**
   * A connection of your own instead of `url`: a `Redis`, or a `Cluster` for Redis Cluster. The cache
   * neither closes it nor changes its options, so give it `enableOfflineQueue: false` if calls should fail
   * fast while Redis is down.
   */
  client?: Redis | Cluster;
  /**
   * Redis Cluster nodes to open a `Cluster` connection to (and close), instead of `url`: `"host:port"`
   * texts or `{ host, port }`. One or a few masters are enough; the rest are discovered. In a cluster,
   * every key of one cache shares a hash tag (`{<namespace>:v<version>:<name>}:`), so batched reads, tag
   * invalidation scripts and locks stay atomic on one slot; spread load over nodes with several caches.
   */
  cluster?: ReadonlyArray<string | { host: string; port: number }>;
  /** First part of every key. Default `victor`. */
  namespace?: string;
  /** Second part of every key; change it to abandon every entry written under the old layout. Default 1. */
  version?: string | number;
  /** TTL of entries written without `ttlMs`. Default 300,000 (5 minutes). */
  defaultTtlMs?: number;
  /** Stale window of entries written without `staleWhileRevalidateMs`. Default 0. */
  staleWhileRevalidateMs?: number;
  /** Longest wait for one Redis command; past it the call resolves as a miss or a skipped write. Default 100. */
  commandTimeoutMs?: number;
  /**
   * After a command fails or times out, later commands are not sent for this long: they resolve as misses
   * at once, then one goes through to probe. 0 sends every command. Default 1,000.
   */
  failFastMs?: number;
  /** Longest wait between two reconnection attempts. Default 1,000. */
  maxReconnectDelayMs?: number;
  /** Where hits, misses, stale hits and errors are counted. */
  metrics?: MetricsSink;
  /** Called once each time Redis becomes unavailable. Default `console.warn`. */
  onWarning?: CacheWarningHandler;
  /** Time source, for tests; expiry times in Redis are wall-clock (`epochMs`). */
  clock?: Clock;
}

/** A message telling every process using a tiered cache what to drop from its memory tier. */
export interface InvalidationMessage {
  /** Id of the process (cache instance) that sent it; it ignores its own messages. */
  origin: string;
  keys?: string[];
  tags?: string[];
  clear?: true;
}

/** Options of reads that wait on Redis. */
export interface CacheReadOptions {
  abortSignal?: AbortSignal;
}

interface StoredEntry<Value> {
  /** Epoch milliseconds at which the entry stops being fresh. */
  f: number;
  /** Epoch milliseconds at which the stale window ends, when there is one. */
  s?: number;
  /** Tags, so a memory tier that promotes the entry can be invalidated by tag too. */
  t?: readonly string[];
  v: Value;
}

const FAILED = Symbol('failed');

const INVALIDATE_TAGS_SCRIPT = `
local removed = 0
for index, tagKey in ipairs(KEYS) do
  local tag = ARGV[index]
  for _, key in ipairs(redis.call('SMEMBERS', tagKey)) do
    -- A key rewritten without this tag since it joined the set keeps its new value.
    local payload = redis.call('GET', key)
    if payload then
      local ok, entry = pcall(cjson.decode, payload)
      local tagged = not ok or type(entry) ~= 'table'
      if not tagged and type(entry.t) == 'table' then
        for _, entryTag in ipairs(entry.t) do
          if entryTag == tag then tagged = true end
        end
      end
      if tagged then removed = removed + redis.call('DEL', key) end
    end
  end
  redis.call('DEL', tagKey)
end
return removed`;

const RELEASE_LOCK_SCRIPT = `
if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('DEL', KEYS[1]) end
return 0`;

/**
 * A cache in Redis (ioredis): keys under `<namespace>:v<version>:<name>:`, a TTL per entry, tags,
 * batched reads (`MGET`) and a timeout on every command. When Redis is down or slow, calls resolve as
 * misses and writes are skipped; a metric and one warning per outage say so; nothing is thrown; the
 * connection comes back by itself, and invalidations that could not be sent are sent first.
 */
export class RedisCache<Value = unknown> implements VictorCache<Value>, ComputeLock {
  readonly name: string;
  /** Prefix of every key this cache writes. */
  readonly prefix: string;
  /** The channel tiered caches publish invalidations on. */
  readonly channel: string;
  readonly client: Redis | Cluster;
  /** Whether `client` is a Redis Cluster connection. */
  readonly isCluster: boolean;
  private readonly ownsClient: boolean;
  /** Nodes the subscription connection may use in a cluster (any node hears every PUBLISH). */
  private clusterNodes: Array<{ host: string; port: number }> = [];
  /** The time source expiry times are read from. */
  readonly clock: Clock;
  private readonly metrics: MetricsSink;
  private readonly labels: CacheMetricLabels;
  /** TTL of entries written without `ttlMs`. */
  readonly defaultTtlMs: number;
  /** Stale window of entries written without `staleWhileRevalidateMs`. */
  readonly defaultStaleMs: number;
  private readonly writeDefaults: WriteDefaults;
  private readonly commandTimeoutMs: number;
  private readonly onWarning: CacheWarningHandler;
  private readonly counters: CacheCounters;
  private degraded = false;
  private closed = false;
  private subscriber: Redis | undefined;
  /** Bumped each time the subscription connection closes. */
  private subscriberConnection = 0;
  /** The `subscriberConnection` on which SUBSCRIBE was last answered (-1: none). */
  private subscribedConnection = -1;
  private readyWaiters: Array<() => void> = [];
  private pending: { keys: Set<string>; tags: Set<string>; clear: boolean } = {
    keys: new Set(),
    tags: new Set(),
    clear: false,
  };
  private flushing: Promise<boolean> | undefined;
  private probeTimer: ReturnType<typeof setInterval> | undefined;
  private readonly recoveryListeners = new Set<() => void>();
  /** `clock.now()` before which commands are not sent after a failure. */
  private retryAt = 0;
  private readonly failFastMs: number;
  /** The error of the last value that could not be encoded, for the warning. */
  private lastEncodeError: unknown;

  constructor(options: RedisCacheOptions) {
    this.name = checkName(options?.name);
    const namespace = options.namespace ?? 'victor';
    if (typeof namespace !== 'string' || !/^[A-Za-z0-9_.-]+$/.test(namespace)) {
      throw invalidOption('namespace', 'a non-empty string of letters, digits, _ . -', namespace);
    }
    const version = options.version ?? 1;
    if (
      !(typeof version === 'number' || typeof version === 'string') ||
      !/^[A-Za-z0-9_.-]+$/.test(`${version}`)
    ) {
      throw invalidOption('version', 'a number or a string of letters, digits, _ . -', version);
    }
    const clusterNodes = options.cluster === undefined ? undefined : checkClusterNodes(options.cluster);
    const given = [
      options.client === undefined ? undefined : 'client',
      options.url === undefined ? undefined : 'url',
      clusterNodes === undefined ? undefined : 'cluster',
    ].filter((name) => name !== undefined);
    if (given.length > 1) {
      throw invalidOption(given[1]!, `left out when ${given[0]} is given`, options[given[1] as 'url']);
    }
    this.isCluster =
      clusterNodes !== undefined ||
      (options.client as { isCluster?: boolean } | undefined)?.isCluster === true;
    // In a cluster one hash tag keeps a cache's keys on one slot (MGET, MULTI and the tag script need it).
    const base = `${namespace}:v${version}:${this.name}`;
    this.prefix = this.isCluster ? `{${base}}:` : `${base}:`;
    this.channel = `${base}:invalidate`;
    this.writeDefaults = new WriteDefaults(options);
    this.defaultTtlMs = this.writeDefaults.ttlMs;
    this.defaultStaleMs = this.writeDefaults.staleMs;
    this.commandTimeoutMs = checkPositiveInteger('commandTimeoutMs', options.commandTimeoutMs ?? 100);
    const maxReconnectDelayMs = checkPositiveInteger(
      'maxReconnectDelayMs',
      options.maxReconnectDelayMs ?? 1_000,
    );
    this.failFastMs = checkNonNegativeInteger('failFastMs', options.failFastMs ?? 1_000);
    this.clock = options.clock ?? systemClock;
    this.metrics = options.metrics ?? noopMetricsSink;
    this.labels = new CacheMetricLabels(this.name, 'redis');
    this.counters = new CacheCounters(this.metrics, this.labels);
    this.onWarning = options.onWarning ?? ((message, error) => console.warn(message, error ?? ''));
    if (options.client !== undefined) {
      if (typeof options.client.get !== 'function')
        throw invalidOption('client', 'an ioredis Redis or Cluster', options.client);
      this.client = options.client;
      this.ownsClient = false;
    } else if (clusterNodes !== undefined) {
      this.clusterNodes = clusterNodes;
      this.client = new Cluster(clusterNodes as ClusterNode[], {
        enableOfflineQueue: false,
        clusterRetryStrategy: (times) => Math.min(25 * 2 ** Math.min(times, 10), maxReconnectDelayMs),
        retryDelayOnFailover: 25,
        retryDelayOnClusterDown: 25,
        redisOptions: {
          autoResendUnfulfilledCommands: false,
          maxRetriesPerRequest: 1,
          connectTimeout: Math.max(1_000, this.commandTimeoutMs),
        },
      });
      this.ownsClient = true;
    } else {
      const url = options.url ?? 'redis://127.0.0.1:6379';
      if (typeof url !== 'string' || !/^rediss?:\/\//.test(url)) {
        throw invalidOption('url', 'a redis:// or rediss:// URL', url);
      }
      this.client = new Redis(url, {
        // Fail fast while disconnected instead of queueing commands without bound.
        enableOfflineQueue: false,
        // A command the caller already counted as failed is not sent again later, out of turn; lost
        // invalidations are re-sent by this cache instead, before anything else.
        autoResendUnfulfilledCommands: false,
        maxRetriesPerRequest: 1,
        connectTimeout: Math.max(1_000, this.commandTimeoutMs),
        retryStrategy: (times) => Math.min(25 * 2 ** Math.min(times, 10), maxReconnectDelayMs),
      });
      this.ownsClient = true;
    }
    this.client.on('error', this.onClientError);
    this.client.on('ready', this.onClientReady);
    this.metrics.gauge(CACHE_METRICS.available, 1, this.labels.base);
  }

  private readonly onClientError = (error: unknown): void => this.markDegraded('connection', error);

  private readonly onClientReady = (): void => {
    for (const wake of this.readyWaiters.splice(0)) wake();
    // A new connection: try at once, sending lost invalidations first.
    this.retryAt = 0;
    if (!this.hasPending()) {
      if (this.degraded) this.markRecovered();
      return;
    }
    void this.flushPending().then((flushed) => {
      if (flushed && this.degraded) this.markRecovered();
    });
  };

  /** False while Redis is known to be unreachable (from the last command or connection event). */
  get available(): boolean {
    return !this.degraded && this.client.status === 'ready';
  }

  /** Hits, misses, stale hits and errors since creation or the last `resetStats`. */
  stats(): CacheStats {
    return this.counters.snapshot();
  }

  /** Sets every counter of `stats()` back to zero. */
  resetStats(): void {
    this.counters.reset();
  }

  /** The fresh value for `key`, or `undefined` (also when Redis is down or slow). */
  async get(key: string, options?: CacheReadOptions): Promise<Value | undefined> {
    const raw = await this.run('get', () => this.client.get(this.prefix + key), options?.abortSignal);
    return this.decode(raw === FAILED ? null : raw, false)?.value;
  }

  /** The entry for `key`, fresh or inside its stale window, or `undefined`. */
  async getEntry(key: string, options?: CacheReadOptions): Promise<CacheLookup<Value> | undefined> {
    const raw = await this.run('get', () => this.client.get(this.prefix + key), options?.abortSignal);
    return this.decode(raw === FAILED ? null : raw, true);
  }

  /** Entries for many keys in one `MGET` round trip, in order; `undefined` for misses and stale entries. */
  async getMany(keys: readonly string[], options?: CacheReadOptions): Promise<Array<Value | undefined>> {
    if (keys.length === 0) return [];
    const raws = await this.run(
      'mget',
      () => this.client.mget(keys.map((key) => this.prefix + key)),
      options?.abortSignal,
    );
    return keys.map((_, index) => this.decode(raws === FAILED ? null : (raws[index] ?? null), false)?.value);
  }

  /** Stores `value` for `options.ttlMs` (or the default), tagged with `options.tags`; skipped while Redis is down. */
  async set(key: string, value: Value, options?: CacheWriteOptions): Promise<void> {
    await this.store(key, value, options);
  }

  /** `set` that resolves to whether Redis took the write (false when it was skipped). */
  async store(key: string, value: Value, options?: CacheWriteOptions): Promise<boolean> {
    if (value === undefined) {
      await this.delete(key);
      return true;
    }
    const ttlMs = this.writeDefaults.ttlOf(options);
    const staleMs = this.writeDefaults.staleMsOf(options);
    const tags = this.writeDefaults.tagsOf(options);
    const stored: StoredEntry<Value> = { f: this.clock.epochMs() + ttlMs, v: value };
    if (staleMs > 0) stored.s = stored.f + staleMs;
    if (tags !== undefined) stored.t = tags;
    const payload = this.encode(stored);
    if (payload === FAILED) {
      // A value with no JSON form (a cycle, a bigint) is not stored, and the old value must not outlive
      // the write; the caller's work goes on.
      this.onWarning(
        `@victor-ai/cache: value for key ${JSON.stringify(key)} has no JSON form; not stored`,
        this.lastEncodeError,
      );
      await this.delete(key);
      return false;
    }
    const keepMs = Math.ceil(ttlMs + staleMs);
    const fullKey = this.prefix + key;
    if (tags === undefined) {
      const stored =
        (await this.run('set', () => this.client.set(fullKey, payload, 'PX', keepMs))) !== FAILED;
      // The old value must not outlive a write that did not reach Redis: delete it before anything else.
      if (!stored) this.pending.keys.add(fullKey);
      return stored;
    }
    const reply = await this.run('set', () => {
      const multi = this.client.multi().set(fullKey, payload, 'PX', keepMs);
      for (const tag of tags) {
        const tagKey = this.tagKey(tag);
        // A tag set lives as long as its longest-lived member: NX sets a first expiry, GT only extends it.
        multi.sadd(tagKey, fullKey).pexpire(tagKey, keepMs, 'NX').pexpire(tagKey, keepMs, 'GT');
      }
      return multi.exec();
    });
    if (reply === FAILED) this.pending.keys.add(fullKey);
    return reply !== FAILED;
  }

  /**
   * Stores many entries in one pipelined round trip (no tags). Values are encoded before anything is sent:
   * an entry with no JSON form (a bigint, a cycle) is not stored, its old value is deleted in the same
   * round trip, and it is counted under `operation="encode"`; the other entries are stored. Resolves to
   * how many entries Redis took (0 while Redis is down; their old values are then deleted once it is back).
   */
  async setMany(
    entries: ReadonlyArray<readonly [key: string, value: Value]>,
    options?: Omit<CacheWriteOptions, 'tags'>,
  ): Promise<number> {
    if (entries.length === 0) return 0;
    const ttlMs = this.writeDefaults.ttlOf(options);
    const staleMs = this.writeDefaults.staleMsOf(options);
    const freshUntil = this.clock.epochMs() + ttlMs;
    const keepMs = Math.ceil(ttlMs + staleMs);
    // Encoded here, not inside the Redis call: a value that cannot be encoded is the caller's problem,
    // not a sign that Redis is down.
    const writes: Array<readonly [fullKey: string, payload: string | undefined]> = [];
    const unencodable: string[] = [];
    let firstError: unknown;
    for (const [key, value] of entries) {
      const stored: StoredEntry<Value> = { f: freshUntil, v: value };
      if (staleMs > 0) stored.s = freshUntil + staleMs;
      const payload = value === undefined ? undefined : this.encode(stored);
      if (payload === FAILED) {
        unencodable.push(key);
        firstError ??= this.lastEncodeError;
        writes.push([this.prefix + key, undefined]);
      } else {
        writes.push([this.prefix + key, payload]);
      }
    }
    if (unencodable.length > 0) {
      this.onWarning(
        `@victor-ai/cache: values for keys ${JSON.stringify(unencodable)} have no JSON form; not stored`,
        firstError,
      );
    }
    const reply = await this.run('set', () => {
      const pipeline = this.client.pipeline();
      for (const [fullKey, payload] of writes) {
        // `undefined` (or a value with no JSON form) replaces the old value with nothing.
        if (payload === undefined) pipeline.del(fullKey);
        else pipeline.set(fullKey, payload, 'PX', keepMs);
      }
      return pipeline.exec();
    });
    if (reply === FAILED || reply === null) {
      // The old values must not outlive writes that did not reach Redis: delete them before anything else.
      for (const [fullKey] of writes) this.pending.keys.add(fullKey);
      return 0;
    }
    let taken = 0;
    reply.forEach(([error], index) => {
      if (error === null && writes[index]?.[1] !== undefined) taken++;
    });
    return taken;
  }

  /** Removes `key`; resolves to whether it was there (false when Redis is down; the delete is sent on return). */
  async delete(key: string): Promise<boolean> {
    const fullKey = this.prefix + key;
    const removed = await this.run('delete', () => this.client.del(fullKey));
    if (removed === FAILED) {
      this.pending.keys.add(fullKey);
      return false;
    }
    return removed > 0;
  }

  /** Removes every entry carrying any of `tags`; resolves to how many (0 when Redis is down; sent on return). */
  async invalidateTags(tags: readonly string[]): Promise<number> {
    if (tags.length === 0) return 0;
    const tagKeys = tags.map((tag) => this.tagKey(tag));
    const removed = await this.run(
      'invalidate',
      () => this.client.eval(INVALIDATE_TAGS_SCRIPT, tagKeys.length, ...tagKeys, ...tags) as Promise<number>,
    );
    if (removed === FAILED) {
      for (const tag of tags) this.pending.tags.add(tag);
      return 0;
    }
    return removed;
  }

  /** Removes every key under this cache's prefix (SCAN + UNLINK); other caches and versions are untouched. */
  async clear(): Promise<void> {
    const done = await this.run('clear', () => this.clearNow(), undefined, 30_000);
    if (done === FAILED) this.pending.clear = true;
  }

  /** Takes the short lock `key` for `ttlMs`: a token, `false` when held elsewhere, `undefined` when Redis is down. */
  async tryAcquireLock(key: string, ttlMs: number): Promise<string | false | undefined> {
    const token = randomUUID();
    const reply = await this.run('lock', () => this.client.set(this.prefix + key, token, 'PX', ttlMs, 'NX'));
    if (reply === FAILED) return undefined;
    return reply === 'OK' ? token : false;
  }

  /** Lets go of a lock taken with `tryAcquireLock`, if `token` still holds it. */
  async releaseLock(key: string, token: string): Promise<void> {
    await this.run('unlock', () => this.client.eval(RELEASE_LOCK_SCRIPT, 1, this.prefix + key, token));
  }

  /**
   * The cached value for `key`, or the result of `compute` stored under it; concurrent misses run
   * `compute` once per process and, through a short Redis lock, once across processes.
   */
  getOrCompute(key: string, compute: ComputeFunction<Value>, options?: GetOrComputeOptions): Promise<Value> {
    return getOrCompute(this, key, compute, options);
  }

  /** Sends an invalidation to every subscriber (tiered caches); false when Redis is down. */
  async publish(message: InvalidationMessage): Promise<boolean> {
    const reply = await this.run('publish', () => this.client.publish(this.channel, JSON.stringify(message)));
    return reply !== FAILED;
  }

  /**
   * Listens to invalidations on a second connection; resolves once subscribed (it waits while Redis is
   * down). `onResubscribed` runs each time that connection comes back after a loss, when messages may
   * have been missed.
   */
  subscribe(onMessage: (message: InvalidationMessage) => void, onResubscribed: () => void): Promise<void> {
    if (this.subscriber !== undefined) throw invalidOption('subscribe', 'called once', 'a second call');
    // Resubscribing is done here rather than by ioredis, whose own resubscribe leaves its promise unhandled
    // (a connection closed at that moment would be an unhandled rejection).
    const subscriber = this.isCluster
      ? this.clusterSubscriber()
      : (this.client as Redis).duplicate({
          enableOfflineQueue: true,
          maxRetriesPerRequest: null,
          autoResubscribe: false,
        });
    this.subscriber = subscriber;
    let lost = false;
    const subscribeNow = () => {
      const connection = this.subscriberConnection;
      return subscriber.subscribe(this.channel).then(
        () => {
          if (connection === this.subscriberConnection) this.subscribedConnection = connection;
        },
        (error: unknown) => {
          lost = true;
          this.markDegraded('subscribe', error);
        },
      );
    };
    subscriber.on('error', (error: unknown) => this.markDegraded('subscribe', error));
    subscriber.on('close', () => {
      lost = true;
      this.subscriberConnection++;
    });
    subscriber.on('ready', () => {
      if (!lost || this.closed) return;
      lost = false;
      void subscribeNow().then(() => {
        if (!lost) onResubscribed();
      });
    });
    subscriber.on('message', (channel: string, text: string) => {
      if (channel !== this.channel) return;
      let message: InvalidationMessage;
      try {
        message = JSON.parse(text) as InvalidationMessage;
      } catch (error) {
        this.markDegraded('subscribe', error);
        return;
      }
      onMessage(message);
    });
    return subscribeNow();
  }

  /**
   * In a cluster, the subscription is a plain connection to one node (a PUBLISH on any node reaches the
   * subscribers of every node), so `PING` on it still proves the channel; when that node is lost, each
   * reconnection attempt goes to the next known node.
   */
  private clusterSubscriber(): Redis {
    const cluster = this.client as Cluster;
    const known = (): Array<{ host: string; port: number }> => {
      const live = cluster
        .nodes('master')
        .map((node) => ({ host: node.options.host ?? '127.0.0.1', port: node.options.port ?? 6379 }));
      return live.length > 0 ? live : this.clusterNodes;
    };
    let nodes = known();
    if (nodes.length === 0) {
      const startup = (cluster as unknown as { startupNodes?: Array<string | number | ClusterNode> })
        .startupNodes;
      nodes = checkClusterNodes(
        (startup ?? []).map((node) =>
          typeof node === 'object'
            ? { host: node.host ?? '127.0.0.1', port: Number(node.port) }
            : String(node),
        ),
      );
    }
    let index = 0;
    const first = nodes[0]!;
    const subscriber: Redis = new Redis({
      ...cluster.options.redisOptions,
      host: first.host,
      port: first.port,
      lazyConnect: false,
      enableOfflineQueue: true,
      maxRetriesPerRequest: null,
      autoResubscribe: false,
      retryStrategy: (times) => {
        // The node may be gone for good: try the next one (ioredis reads host and port on each connect).
        const candidates = known();
        if (candidates.length > 0) nodes = candidates;
        index = (index + 1) % nodes.length;
        subscriber.options.host = nodes[index]!.host;
        subscriber.options.port = nodes[index]!.port;
        return Math.min(25 * 2 ** Math.min(times, 5), 1_000);
      },
    });
    return subscriber;
  }

  /**
   * A round trip (`PING`) on the subscription connection. Resolves to `true` when the answer came back on
   * the same subscribed connection, which proves that every invalidation Redis took before this call has
   * already been handed to `subscribe`'s `onMessage` (Redis answers a connection in order). Resolves to
   * `false` when not subscribed, when the connection was lost meanwhile, or after `timeoutMs` without an
   * answer; never rejects.
   */
  async confirmSubscription(timeoutMs: number = this.commandTimeoutMs): Promise<boolean> {
    const subscriber = this.subscriber;
    const connection = this.subscriberConnection;
    if (
      subscriber === undefined ||
      this.closed ||
      subscriber.status !== 'ready' ||
      this.subscribedConnection !== connection
    ) {
      return false;
    }
    try {
      await this.withDeadline('ping', subscriber.ping(), timeoutMs);
    } catch {
      return false;
    }
    return this.subscriberConnection === connection && this.subscribedConnection === connection;
  }

  /**
   * Calls `listener` each time Redis works again after an outage (lost invalidations already re-sent).
   * Returns a function that removes it.
   */
  onRecovered(listener: () => void): () => void {
    this.recoveryListeners.add(listener);
    return () => this.recoveryListeners.delete(listener);
  }

  /** Closes the connections this cache opened. */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    clearInterval(this.probeTimer);
    this.probeTimer = undefined;
    this.recoveryListeners.clear();
    this.client.off('error', this.onClientError);
    this.client.off('ready', this.onClientReady);
    // ioredis reports errors of a closing connection as events; keep one listener so none is unhandled.
    this.client.on('error', () => {});
    for (const wake of this.readyWaiters.splice(0)) wake();
    const connections: Array<Redis | Cluster | undefined> = this.ownsClient
      ? [this.subscriber, this.client]
      : [this.subscriber];
    await Promise.all(
      connections.map(async (connection) => {
        if (connection === undefined) return;
        try {
          if (connection.status === 'ready') await connection.quit();
          else connection.disconnect();
        } catch {
          connection.disconnect();
        }
      }),
    );
  }

  /** JSON text of an entry, or `FAILED` (counted as an `encode` error, the error kept for the warning). */
  private encode(stored: StoredEntry<Value>): string | typeof FAILED {
    try {
      const text = JSON.stringify(stored);
      if (typeof text === 'string') return text;
      this.lastEncodeError = new TypeError('JSON.stringify returned undefined');
    } catch (error) {
      this.lastEncodeError = error;
    }
    this.counters.error('encode');
    return FAILED;
  }

  private tagKey(tag: string): string {
    return `${this.prefix}tag:${tag}`;
  }

  /** Parses a stored entry; past its TTL it is a miss unless `allowStale` and inside its stale window. */
  private decode(raw: string | null, allowStale: boolean): CacheLookup<Value> | undefined {
    if (raw === null) {
      this.counters.miss();
      return undefined;
    }
    let stored: StoredEntry<Value>;
    try {
      stored = JSON.parse(raw) as StoredEntry<Value>;
    } catch (error) {
      this.markDegraded('decode', error);
      this.counters.miss();
      return undefined;
    }
    const now = this.clock.epochMs();
    if (now >= (allowStale ? (stored.s ?? stored.f) : stored.f)) {
      // Past its stale window by our clock, though Redis has not dropped it yet.
      this.counters.miss();
      return undefined;
    }
    const stale = now >= stored.f;
    this.counters.hit(stale);
    const lookup: CacheLookup<Value> & { tags?: readonly string[] } = {
      value: stored.v,
      stale,
      freshUntilEpochMs: stored.f,
    };
    if (stored.t !== undefined) lookup.tags = stored.t;
    return lookup;
  }

  /**
   * Runs one Redis call with a timeout; resolves to `FAILED` instead of rejecting when Redis is down,
   * slow or refuses. Rejects only when the caller's signal aborts.
   */
  private async run<Result>(
    operation: string,
    command: () => Promise<Result>,
    abortSignal?: AbortSignal,
    timeoutMs = this.commandTimeoutMs,
  ): Promise<Result | typeof FAILED> {
    if (abortSignal?.aborted) throw abortReason(abortSignal);
    if (this.closed) {
      return this.fail(operation, new CacheUnavailableError({ message: 'the cache is closed' }));
    }
    if (this.client.status !== 'ready' && !(await this.waitForReady(abortSignal))) {
      return this.fail(
        operation,
        new CacheUnavailableError({ message: `Redis connection is ${this.client.status}` }),
      );
    }
    if (this.degraded && this.clock.now() < this.retryAt) {
      // A command failed moments ago: answer at once instead of making every caller wait for a timeout.
      return this.fail(operation, new CacheUnavailableError({ message: 'Redis failed recently' }));
    }
    // Invalidations lost while Redis was away go first, so no read sees an entry they removed.
    if ((this.flushing !== undefined || this.hasPending()) && !(await this.flushPending())) {
      return this.fail(
        operation,
        new CacheUnavailableError({ message: 'Redis refused pending invalidations' }),
      );
    }
    try {
      const result = await this.withDeadline(operation, command(), timeoutMs, abortSignal);
      if (this.degraded) this.markRecovered();
      return result;
    } catch (error) {
      if (abortSignal?.aborted) throw abortReason(abortSignal);
      this.retryAt = this.clock.now() + this.failFastMs;
      return this.fail(operation, error);
    }
  }

  /** `promise`, or a `CacheUnavailableError` once `timeoutMs` passes, or the abort reason. */
  private withDeadline<Result>(
    operation: string,
    promise: Promise<Result>,
    timeoutMs: number,
    abortSignal?: AbortSignal,
  ): Promise<Result> {
    return new Promise<Result>((resolve, reject) => {
      const onAbort = () => {
        clearTimeout(timer);
        reject(abortReason(abortSignal!));
      };
      const timer = setTimeout(() => {
        abortSignal?.removeEventListener('abort', onAbort);
        reject(new CacheUnavailableError({ message: `Redis ${operation} took longer than ${timeoutMs} ms` }));
      }, timeoutMs);
      abortSignal?.addEventListener('abort', onAbort, { once: true });
      promise.then(
        (value) => {
          clearTimeout(timer);
          abortSignal?.removeEventListener('abort', onAbort);
          resolve(value);
        },
        (error: unknown) => {
          clearTimeout(timer);
          abortSignal?.removeEventListener('abort', onAbort);
          reject(error);
        },
      );
    });
  }

  /** Waits up to one command timeout for a first connection; at once false when it was lost later. */
  private waitForReady(abortSignal: AbortSignal | undefined): Promise<boolean> {
    const status = this.client.status;
    if (this.degraded || (status !== 'connecting' && status !== 'connect' && status !== 'wait')) {
      return Promise.resolve(false);
    }
    if (status === 'wait') {
      this.client.connect().catch((error: unknown) => this.markDegraded('connection', error));
    }
    return new Promise((resolve) => {
      const done = () => {
        clearTimeout(timer);
        abortSignal?.removeEventListener('abort', done);
        resolve(this.client.status === 'ready');
      };
      const timer = setTimeout(done, this.commandTimeoutMs);
      abortSignal?.addEventListener('abort', done, { once: true });
      this.readyWaiters.push(done);
    });
  }

  private fail(operation: string, error: unknown): typeof FAILED {
    this.counters.error(operation);
    this.markDegraded(operation, error);
    return FAILED;
  }

  private markDegraded(operation: string, error: unknown): void {
    if (this.degraded || this.closed) return;
    this.degraded = true;
    this.startProbing();
    this.metrics.gauge(CACHE_METRICS.available, 0, this.labels.base);
    const reason = error instanceof Error ? error.message : String(error);
    this.onWarning(
      `@victor-ai/cache: Redis cache "${this.name}" is unavailable (${operation}: ${reason}); ` +
        'serving misses and skipping writes until it is back',
      error,
    );
  }

  private markRecovered(): void {
    this.degraded = false;
    this.retryAt = 0;
    clearInterval(this.probeTimer);
    this.probeTimer = undefined;
    this.metrics.gauge(CACHE_METRICS.available, 1, this.labels.base);
    for (const listener of this.recoveryListeners) listener();
  }

  /** While degraded, a PING now and then finds out that Redis is back even when nobody calls. */
  private startProbing(): void {
    if (this.probeTimer !== undefined || this.closed) return;
    this.probeTimer = setInterval(
      () => {
        if (this.client.status === 'ready' && this.flushing === undefined) {
          void this.run('ping', () => this.client.ping());
        }
      },
      Math.max(this.failFastMs, 100),
    );
    this.probeTimer.unref?.();
  }

  private hasPending(): boolean {
    return this.pending.clear || this.pending.keys.size > 0 || this.pending.tags.size > 0;
  }

  /**
   * Sends the deletes, tag invalidations and clears that failed while Redis was away; one flush at a
   * time, each command under the command timeout. Resolves to whether everything was sent.
   */
  private flushPending(): Promise<boolean> {
    if (this.flushing !== undefined) return this.flushing;
    const pending = this.pending;
    this.pending = { keys: new Set(), tags: new Set(), clear: false };
    const flush = async (): Promise<boolean> => {
      try {
        if (pending.clear) await this.withDeadline('clear', this.clearNow(), 30_000);
        if (pending.keys.size > 0) {
          await this.withDeadline('delete', this.client.del(...pending.keys), this.commandTimeoutMs);
        }
        if (pending.tags.size > 0) {
          const tags = [...pending.tags];
          const tagKeys = tags.map((tag) => this.tagKey(tag));
          await this.withDeadline(
            'invalidate',
            this.client.eval(INVALIDATE_TAGS_SCRIPT, tagKeys.length, ...tagKeys, ...tags),
            this.commandTimeoutMs,
          );
        }
        return true;
      } catch (error) {
        // Keep them for the next attempt.
        for (const key of pending.keys) this.pending.keys.add(key);
        for (const tag of pending.tags) this.pending.tags.add(tag);
        this.pending.clear ||= pending.clear;
        this.retryAt = this.clock.now() + this.failFastMs;
        this.markDegraded('flush', error);
        return false;
      }
    };
    this.flushing = flush().finally(() => {
      this.flushing = undefined;
    });
    return this.flushing;
  }

  private async clearNow(): Promise<void> {
    // In a cluster every master is scanned (the cache's keys share one slot, so one of them has them all).
    const nodes = this.isCluster ? (this.client as Cluster).nodes('master') : [this.client as Redis];
    // Redis globs give braces no meaning, and names hold only letters, digits, _ . -: no escaping needed.
    const pattern = `${this.prefix}*`;
    for (const node of nodes) {
      let cursor = '0';
      do {
        const [next, keys] = await node.scan(cursor, 'MATCH', pattern, 'COUNT', 500);
        cursor = next;
        if (keys.length > 0) await this.client.unlink(...keys);
      } while (cursor !== '0');
    }
  }
}

/** `host:port` texts or `{ host, port }` objects, checked: a typed error names the bad entry. */
function checkClusterNodes(
  nodes: ReadonlyArray<string | { host: string; port: number }>,
): Array<{ host: string; port: number }> {
  if (!Array.isArray(nodes) || nodes.length === 0) {
    throw invalidOption('cluster', 'a non-empty list of "host:port" nodes', nodes);
  }
  return nodes.map((node, index) => {
    const text = typeof node === 'string' ? node : undefined;
    const match = text === undefined ? undefined : /^\[?([^\s\]]+?)\]?:(\d{1,5})$/.exec(text);
    const host = match ? match[1] : typeof node === 'object' && node !== null ? node.host : undefined;
    const port = match
      ? Number(match[2])
      : typeof node === 'object' && node !== null
        ? node.port
        : Number.NaN;
    if (typeof host !== 'string' || host === '' || !Number.isInteger(port) || port < 1 || port > 65_535) {
      throw invalidOption(`cluster[${index}]`, 'a "host:port" node (port 1-65535)', node);
    }
    return { host, port };
  });
}
