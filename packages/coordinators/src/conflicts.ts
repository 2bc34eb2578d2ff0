import { resolve, sep } from 'node:path';
import type { ToolCall, ToolDefinition } from '@victor-ai/core';

/** Argument names that hold a path or a list of paths. */
export const PATH_ARGUMENTS: readonly string[] = [
  'path',
  'paths',
  'file',
  'directory',
  'dir',
  'target',
  'source',
];

/** The workspace paths a call touches, normalised; `undefined` when it names none. */
export function callPaths(call: ToolCall, rootDir: string): string[] | undefined {
  let paths: string[] | undefined;
  for (const name of PATH_ARGUMENTS) {
    const value = call.arguments[name];
    const values = typeof value === 'string' ? [value] : Array.isArray(value) ? value : [];
    for (const item of values) {
      if (typeof item !== 'string') continue;
      if (paths === undefined) paths = [];
      // The platform's rules: `C:\work` roots and `\` separators on Windows.
      paths.push(resolve(rootDir, item));
    }
  }
  return paths;
}

function overlaps(left: string, right: string): boolean {
  if (left === right) return true;
  const [short, long] = left.length < right.length ? [left, right] : [right, left];
  return long.startsWith(short.endsWith(sep) ? short : `${short}${sep}`);
}

/** What the scheduler needs to know about one call. */
export interface ScheduledCall {
  call: ToolCall;
  definition: ToolDefinition | undefined;
  paths: string[] | undefined;
}

/**
 * Whether `later` must wait for `earlier`: either is exclusive; or the caller's `dependsOn` says so; or at
 * least one of them writes (is not read-only) and their paths overlap (same path, or one inside the
 * other), where a call with no path argument counts as touching the whole workspace.
 */
export function conflicts(
  earlier: ScheduledCall,
  later: ScheduledCall,
  dependsOn?: (later: ToolCall, earlier: ToolCall) => boolean,
): boolean {
  if (earlier.definition?.exclusive || later.definition?.exclusive) return true;
  if (dependsOn?.(later.call, earlier.call)) return true;
  const earlierWrites = earlier.definition?.readOnly !== true;
  const laterWrites = later.definition?.readOnly !== true;
  if (!earlierWrites && !laterWrites) return false;
  if (earlier.paths === undefined || later.paths === undefined) {
    // A call that names no path may touch the whole workspace. Calls of unknown tools fail at once and
    // conflict with nothing.
    return earlier.definition !== undefined && later.definition !== undefined;
  }
  for (const left of earlier.paths) for (const right of later.paths) if (overlaps(left, right)) return true;
  return false;
}
