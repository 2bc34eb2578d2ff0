import { invalidOption } from '@victor-ai/core';

/** Checks an optional positive integer option; returns it, or `fallback` when it is absent. */
export function positiveInteger(option: string, value: number | undefined, fallback: number): number {
  const result = value ?? fallback;
  if (!Number.isInteger(result) || result < 1) throw invalidOption(option, 'a positive integer', result);
  return result;
}

/** Checks an optional positive finite number option; returns it, or `fallback` when it is absent. */
export function positiveNumber(option: string, value: number | undefined, fallback: number): number {
  const result = value ?? fallback;
  if (typeof result !== 'number' || !Number.isFinite(result) || result <= 0)
    throw invalidOption(option, 'a positive number', result);
  return result;
}
