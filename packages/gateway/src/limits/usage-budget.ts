import type { Redis } from 'ioredis';
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
  };
}

/** Options of `createRedisUsageBudgetStore`. */
export interface RedisUsageBudgetStoreOptions {
  client: Redis;
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
  const redisKey = (key: string, period: BudgetPeriod, nowMs: number) =>
    `${prefix}:{${key}}:${period}:${windowOf(period, nowMs)}`;
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
  };
}
