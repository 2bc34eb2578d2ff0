import { invalidOption } from '@victor-ai/core';
import type { CacheWriteOptions } from './types.js';

export function checkName(value: unknown): string {
  if (typeof value !== 'string' || value.length === 0 || !/^[A-Za-z0-9_.:-]+$/.test(value)) {
    throw invalidOption('name', 'a non-empty string of letters, digits, _ . : -', value);
  }
  return value;
}

export function checkPositiveInteger(option: string, value: unknown): number {
  if (typeof value !== 'number' || !Number.isSafeInteger(value) || value <= 0) {
    throw invalidOption(option, 'a positive integer', value);
  }
  return value;
}

export function checkNonNegativeInteger(option: string, value: unknown): number {
  if (typeof value !== 'number' || !Number.isSafeInteger(value) || value < 0) {
    throw invalidOption(option, 'a non-negative integer', value);
  }
  return value;
}

export function checkTtl(option: string, value: unknown): number {
  if (typeof value !== 'number' || !Number.isFinite(value) || value <= 0) {
    throw invalidOption(option, 'a positive finite number of milliseconds', value);
  }
  return value;
}

export function checkTags(tags: unknown): readonly string[] {
  if (!Array.isArray(tags) || tags.some((tag) => typeof tag !== 'string' || tag.length === 0)) {
    throw invalidOption('tags', 'an array of non-empty strings', tags);
  }
  return tags as readonly string[];
}

/**
 * A cache's defaults for writes (`defaultTtlMs`, 5 minutes unless given; `staleWhileRevalidateMs`, none
 * unless given), checked once, and the options of each write read against them.
 */
export class WriteDefaults {
  /** TTL of entries written without `ttlMs`. */
  readonly ttlMs: number;
  /** Stale window of entries written without `staleWhileRevalidateMs`. */
  readonly staleMs: number;

  constructor(options: { defaultTtlMs?: number; staleWhileRevalidateMs?: number }) {
    this.ttlMs = checkTtl('defaultTtlMs', options.defaultTtlMs ?? 300_000);
    this.staleMs = checkNonNegativeInteger('staleWhileRevalidateMs', options.staleWhileRevalidateMs ?? 0);
  }

  /** The TTL of one write: its `ttlMs`, checked, or the default. */
  ttlOf(options: CacheWriteOptions | undefined): number {
    return options?.ttlMs === undefined ? this.ttlMs : checkTtl('ttlMs', options.ttlMs);
  }

  /** The stale window of one write: its `staleWhileRevalidateMs`, checked, or the default. */
  staleMsOf(options: CacheWriteOptions | undefined): number {
    return options?.staleWhileRevalidateMs === undefined
      ? this.staleMs
      : checkNonNegativeInteger('staleWhileRevalidateMs', options.staleWhileRevalidateMs);
  }

  /** The tags of one write, checked; `undefined` when it has none. */
  tagsOf(options: CacheWriteOptions | undefined): readonly string[] | undefined {
    return options?.tags === undefined || options.tags.length === 0 ? undefined : checkTags(options.tags);
  }
}
