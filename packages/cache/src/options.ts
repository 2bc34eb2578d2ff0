import { invalidOption } from '@victor-ai/core';

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
