import type { Cluster, Redis } from 'ioredis';
import type { FailMode } from './redis-rate-limit-store.js';

/** A budget period; windows are aligned to the epoch (UTC), a month is 30 days. */
export type BudgetPeriod = 'minute' | 'hour' | 'day' | 'month';

/** Length of each period in milliseconds. */
export const BUDGET_PERIOD_MS: Readonly<Record<BudgetPeriod, number>> = {
  minute: 60_000,
  hour: 3_600_000,
  day: 86_400_000,
  month: 30 * 86_400_000,
};

/** Counts tokens spent per key and period window, in memory or in Redis (shared across processes). */
export interface UsageBudgetStore {
  /** Tokens spent in the current window of `period` (0 when Redis fails and the store fails open). */
  spent(key: string, period: BudgetPeriod, nowMs: number): Promise<number>;
  /** Adds `tokens` to the current window. */
  add(key: string, period: BudgetPeriod, tokens: number, nowMs: number): Promise<void>;
  /**
   * Atomically: refuses when the current window of `period` has `limit` tokens or more spent (reserved
   * tokens included), else adds `tokens` (an estimate of what the request will spend) and allows. Settle
   * every allowed reservation with `settle`, with the window it returned.
   */
  reserve(
    key: string,
    period: BudgetPeriod,
    limit: number,
    tokens: number,
    nowMs: number,
  ): Promise<BudgetReservation>;
  /** Replaces a reservation of `reserved` tokens made in `window` by the `used` tokens the request really spent. */
  settle(key: string, period: BudgetPeriod, window: number, reserved: number, used: number): Promise<void>;
}

/** What `UsageBudgetStore.reserve` answers. */
export interface BudgetReservation {
  allowed: boolean;
  /** Tokens counted in the window after the call (the reservation included when allowed). */
  spent: number;
  /** The window the reservation went to (give it back to `settle`). */
  window: number;
}

function windowOf(period: BudgetPeriod, nowMs: number): number {
  return Math.floor(nowMs / BUDGET_PERIOD_MS[period]);
}

/** A `UsageBudgetStore` in this process only; windows past are dropped as new ones start. */
export function createMemoryUsageBudgetStore(): UsageBudgetStore {
  const windows = new Map<string, { window: number; spent: number }>();
  const entry = (key: string, period: BudgetPeriod, nowMs: number) => {
    const id = `${period}:${key}`;
    const window = windowOf(period, nowMs);
    let current = windows.get(id);
    if (current === undefined || current.window !== window) {
      current = { window, spent: 0 };
      windows.set(id, current);
    }
    return current;
  };
  return {
    async spent(key, period, nowMs) {
      return entry(key, period, nowMs).spent;
    },
    async add(key, period, tokens, nowMs) {
      entry(key, period, nowMs).spent += tokens;
    },
    async reserve(key, period, limit, tokens, nowMs) {
      const current = entry(key, period, nowMs);
      if (current.spent >= limit) return { allowed: false, spent: current.spent, window: current.window };
      current.spent += tokens;
      return { allowed: true, spent: current.spent, window: current.window };
    },
    async settle(key, period, window, reserved, used) {
      const current = windows.get(`${period}:${key}`);
      // A window that ended since the reservation is gone: nothing to correct.
      if (current !== undefined && current.window === window) current.spent += used - reserved;
    },
  };
}

/** Options of `createRedisUsageBudgetStore`. */
export interface RedisUsageBudgetStoreOptions {
  /** One Redis or a Redis Cluster: every key of one API key and window carries the hash tag `{<key id>}`. */
  client: Redis | Cluster;
  /** First part of every key; default `victor-gateway:budget`. */
  keyPrefix?: string;
  /** When Redis fails: `open` (default) reads 0 spent, `closed` reads the budget as spent (Infinity). */
  failMode?: FailMode;
  onError?: (error: unknown) => void;
}

/** A `UsageBudgetStore` on Redis: one counter per key and window (INCRBY, expiring after two windows). */
export function createRedisUsageBudgetStore(options: RedisUsageBudgetStoreOptions): UsageBudgetStore {
  const { client } = options;
  const prefix = options.keyPrefix ?? 'victor-gateway:budget';
  const failMode = options.failMode ?? 'open';
  const windowKey = (key: string, period: BudgetPeriod, window: number) =>
    `${prefix}:{${key}}:${period}:${window}`;
  const redisKey = (key: string, period: BudgetPeriod, nowMs: number) =>
    windowKey(key, period, windowOf(period, nowMs));
  // The check and the reservation in one script: requests in flight in every process see each other's.
  if (typeof (client as { victorBudgetReserve?: unknown }).victorBudgetReserve !== 'function') {
    client.defineCommand('victorBudgetReserve', { numberOfKeys: 1, lua: RESERVE_SCRIPT });
  }
  const reserveCommand = client as unknown as {
    victorBudgetReserve(key: string, tokens: number, limit: number, ttlMs: number): Promise<[number, number]>;
  };
  return {
    async spent(key, period, nowMs) {
      try {
        return Number((await client.get(redisKey(key, period, nowMs))) ?? 0);
      } catch (error) {
        options.onError?.(error);
        return failMode === 'open' ? 0 : Number.POSITIVE_INFINITY;
      }
    },
    async add(key, period, tokens, nowMs) {
      const id = redisKey(key, period, nowMs);
      try {
        await client
          .multi()
          .incrby(id, Math.ceil(tokens))
          .pexpire(id, 2 * BUDGET_PERIOD_MS[period])
          .exec();
      } catch (error) {
        options.onError?.(error);
      }
    },
    async reserve(key, period, limit, tokens, nowMs) {
      const window = windowOf(period, nowMs);
      try {
        const [allowed, spent] = await reserveCommand.victorBudgetReserve(
          windowKey(key, period, window),
          Math.ceil(tokens),
          limit,
          2 * BUDGET_PERIOD_MS[period],
        );
        return { allowed: allowed === 1, spent: Number(spent), window };
      } catch (error) {
        options.onError?.(error);
        return failMode === 'open'
          ? { allowed: true, spent: 0, window }
          : { allowed: false, spent: Number.POSITIVE_INFINITY, window };
      }
    },
    async settle(key, period, window, reserved, used) {
      const delta = Math.ceil(used) - Math.ceil(reserved);
      if (delta === 0) return;
      const id = windowKey(key, period, window);
      try {
        await client
          .multi()
          .incrby(id, delta)
          .pexpire(id, 2 * BUDGET_PERIOD_MS[period])
          .exec();
      } catch (error) {
        options.onError?.(error);
      }
    },
  };
}

// KEYS[1] the window's counter; ARGV: tokens to reserve, the limit, the counter's time to live (ms).
// Answers { 1 | 0 (allowed), tokens counted after the call }.
const RESERVE_SCRIPT = `
local spent = tonumber(redis.call('GET', KEYS[1]) or '0')
if spent >= tonumber(ARGV[2]) then return {0, spent} end
spent = redis.call('INCRBY', KEYS[1], ARGV[1])
redis.call('PEXPIRE', KEYS[1], ARGV[3])
return {1, spent}
`;
