import { invalidOption } from '@victor-ai/core';

/** Checks an optional positive integer option; returns the value or the default. */
export function positiveInteger(option: string, value: unknown, fallback: number): number {
  if (value === undefined) return fallback;
  if (typeof value !== 'number' || !Number.isInteger(value) || value <= 0) {
    throw invalidOption(option, 'a positive integer', value);
  }
  return value;
}

/** Checks an optional positive finite number of milliseconds; `undefined` stays `undefined`. */
export function optionalDuration(option: string, value: unknown): number | undefined {
  if (value === undefined) return undefined;
  if (typeof value !== 'number' || !Number.isFinite(value) || value <= 0) {
    throw invalidOption(option, 'a positive finite number of milliseconds', value);
  }
  return value;
}

/** Parses a base URL option: http(s), no query or fragment; returns its origin and path prefix. */
export function parseBaseURL(option: string, value: unknown): { origin: string; pathPrefix: string } {
  if (typeof value !== 'string') throw invalidOption(option, 'an http(s) URL string', value);
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    throw invalidOption(option, 'an http(s) URL', value);
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:')
    throw invalidOption(option, 'an http(s) URL', value);
  if (url.search || url.hash) throw invalidOption(option, 'a URL without query or fragment', value);
  return { origin: url.origin, pathPrefix: url.pathname.replace(/\/+$/, '') };
}

/** Checks an optional non-negative integer option; returns the value or the default. */
export function nonNegativeInteger(option: string, value: unknown, fallback: number): number {
  if (value === undefined) return fallback;
  if (typeof value !== 'number' || !Number.isInteger(value) || value < 0) {
    throw invalidOption(option, 'a non-negative integer', value);
  }
  return value;
}

/** Checks an optional non-negative finite number; returns the value or the default. */
export function nonNegativeNumber(option: string, value: unknown, fallback: number): number {
  if (value === undefined) return fallback;
  if (typeof value !== 'number' || !Number.isFinite(value) || value < 0) {
    throw invalidOption(option, 'a non-negative finite number', value);
  }
  return value;
}

/** Checks an optional rate between 0 and 1 inclusive; returns the value or the default. */
export function rate(option: string, value: unknown, fallback: number): number {
  if (value === undefined) return fallback;
  if (typeof value !== 'number' || !(value >= 0 && value <= 1)) {
    throw invalidOption(option, 'a number from 0 to 1', value);
  }
  return value;
}
