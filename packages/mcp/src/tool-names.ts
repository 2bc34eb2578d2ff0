import { createHash } from 'node:crypto';

/**
 * Tool names every provider accepts: OpenAI and Anthropic allow `[a-zA-Z0-9_-]`, Gemini wants a letter or
 * `_` first; all allow 64 characters.
 */
export const PORTABLE_TOOL_NAME_PATTERN = /^[a-zA-Z_][a-zA-Z0-9_-]{0,63}$/;

const MAX_LENGTH = 64;
const INVALID = /[^a-zA-Z0-9_-]/g;

/** Six hex characters of a SHA-1: short, stable across runs and machines. */
export function shortHash(text: string): string {
  return createHash('sha1').update(text).digest('hex').slice(0, 6);
}

/** Replaces characters providers refuse with `_` and makes the first character a letter or `_`. */
export function sanitizeToolName(name: string): string {
  const replaced = name.replace(INVALID, '_');
  return /^[a-zA-Z_]/.test(replaced) ? replaced : `_${replaced}`;
}

/** A portable name of at most 64 characters; a longer one keeps its start and ends with a hash of the whole. */
export function fitToolName(name: string, hashOf: string = name): string {
  const clean = sanitizeToolName(name);
  if (clean.length <= MAX_LENGTH) return clean;
  return `${clean.slice(0, MAX_LENGTH - 7)}_${shortHash(hashOf)}`;
}

/** Why a tool's exposed name differs from `prefix + separator + name`. */
export type ToolRenameReason = 'sanitized' | 'truncated' | 'collision';

/** A tool whose exposed name is not simply its prefixed MCP name. */
export interface ToolRename {
  readonly server: string;
  /** The tool's name on its MCP server. */
  readonly original: string;
  /** The name the model sees. */
  readonly name: string;
  readonly reason: ToolRenameReason;
}

/** One tool to name: its server (in configuration order) and its MCP name. */
export interface NameRequest {
  readonly server: string;
  readonly prefix: string;
  readonly original: string;
}

/**
 * Gives every tool a portable, unique name: `prefix + separator + original`, sanitised and cut to 64
 * characters. Servers are taken in the given order and tools in their listed order, so the same inputs
 * always give the same names: a later tool whose name is taken gets a hash of its server and MCP name.
 */
export function assignToolNames(
  requests: readonly NameRequest[],
  separator: string,
): { names: string[]; renames: ToolRename[] } {
  const taken = new Set<string>();
  const names: string[] = new Array(requests.length);
  const renames: ToolRename[] = [];
  for (let index = 0; index < requests.length; index++) {
    const request = requests[index]!;
    const wanted =
      request.prefix === '' ? request.original : `${request.prefix}${separator}${request.original}`;
    let name = fitToolName(wanted);
    let reason: ToolRenameReason | undefined =
      name === wanted ? undefined : sanitizeToolName(wanted).length > MAX_LENGTH ? 'truncated' : 'sanitized';
    if (taken.has(name)) {
      const identity = `${request.server}\u0000${request.original}`;
      const suffix = `_${shortHash(identity)}`;
      name = `${name.slice(0, MAX_LENGTH - suffix.length)}${suffix}`;
      for (let attempt = 2; taken.has(name); attempt++) {
        const counted = `${suffix}${attempt}`;
        name = `${fitToolName(wanted).slice(0, MAX_LENGTH - counted.length)}${counted}`;
      }
      reason = 'collision';
    }
    taken.add(name);
    names[index] = name;
    if (reason !== undefined)
      renames.push({ server: request.server, original: request.original, name, reason });
  }
  return { names, renames };
}
