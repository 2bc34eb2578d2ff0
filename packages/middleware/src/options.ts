import { invalidOption } from '@victor-ai/core';

/**
 * Throws unless `options` is an object whose `required` entries are functions and whose `optional` entries
 * are functions or absent. Internal to the package: the checks every factory of it starts with.
 */
export function checkOptions(
  options: unknown,
  required: readonly string[] = [],
  optional: readonly string[] = [],
): asserts options is object {
  if (typeof options !== 'object' || options === null) throw invalidOption('options', 'an object', options);
  const values = options as Record<string, unknown>;
  for (const name of required) {
    if (typeof values[name] !== 'function') throw invalidOption(name, 'a function', values[name]);
  }
  for (const name of optional) {
    if (values[name] !== undefined && typeof values[name] !== 'function') {
      throw invalidOption(name, 'a function', values[name]);
    }
  }
}

/** A middleware's priority: the caller's, else `fallback`; throws unless it is a finite number. */
export function checkPriority(priority: number | undefined, fallback: number): number {
  const value = priority ?? fallback;
  if (!Number.isFinite(value)) throw invalidOption('priority', 'a finite number', value);
  return value;
}

/** Throws unless `value` is absent or a positive finite number of milliseconds. */
export function checkTimeoutMs(option: string, value: unknown): void {
  if (value !== undefined && !(typeof value === 'number' && value > 0 && Number.isFinite(value))) {
    throw invalidOption(option, 'a positive finite number of milliseconds', value);
  }
}
