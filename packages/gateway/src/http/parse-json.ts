import { HttpError } from './http-error.js';
import { locateJsonSyntaxError } from './json-syntax-error.js';

/** Options of `parseJson`. */
export interface ParseJsonOptions {
  /** Deepest nesting of arrays and objects accepted; default 64. */
  maxDepth?: number;
  /** What the text is, for error messages; default `the request body`. */
  what?: string;
  /** The request field the text came from (`messages[0].tool_calls[0].function.arguments`), if any. */
  param?: string | null;
}

/** The default `maxDepth` of `parseJson` and of the hardened server's body parsing. */
export const DEFAULT_MAX_JSON_DEPTH = 64;

/**
 * The nesting depth of a JSON text's arrays and objects, counted in one pass over the characters (strings
 * skipped), stopping as soon as `limit` is passed; so a hostile text never reaches a recursive parser.
 * Strings, most of a chat body, are jumped over with `indexOf` instead of read character by character.
 */
export function jsonNestingDepth(text: string, limit = Number.POSITIVE_INFINITY): number {
  let depth = 0;
  let deepest = 0;
  const length = text.length;
  for (let index = 0; index < length; index++) {
    const code = text.charCodeAt(index);
    if (code === 34 /* " */) {
      // The closing quote is the next one not escaped: preceded by an even number of backslashes.
      let end = text.indexOf('"', index + 1);
      while (end !== -1) {
        let slashes = 0;
        for (let back = end - 1; back > index && text.charCodeAt(back) === 92 /* \ */; back--) slashes++;
        if (slashes % 2 === 0) break;
        end = text.indexOf('"', end + 1);
      }
      // An unterminated string: nothing after it nests; JSON.parse refuses the text.
      if (end === -1) return deepest;
      index = end;
    } else if (code === 123 /* { */ || code === 91 /* [ */) {
      depth++;
      if (depth > deepest) {
        deepest = depth;
        if (deepest > limit) return deepest;
      }
    } else if (code === 125 /* } */ || code === 93 /* ] */) depth--;
  }
  return deepest;
}

/**
 * `JSON.parse` for text that came from a client: refuses nesting deeper than `maxDepth` and malformed
 * JSON with an `HttpError` 400 that names the limit or says where the text broke.
 */
export function parseJson(text: string, options: ParseJsonOptions = {}): unknown {
  const maxDepth = options.maxDepth ?? DEFAULT_MAX_JSON_DEPTH;
  const what = options.what ?? 'the request body';
  if (jsonNestingDepth(text, maxDepth) > maxDepth) {
    throw new HttpError({
      status: 400,
      reason: 'json_too_deep',
      message: `${what} nests arrays and objects deeper than the limit of ${maxDepth} levels (maxJsonDepth)`,
      param: options.param ?? null,
    });
  }
  try {
    return JSON.parse(text);
  } catch (error) {
    const where = locateJsonSyntaxError(text);
    const detail = where
      ? `expected ${where.expected} at line ${where.line}, column ${where.column} (offset ${where.offset})`
      : error instanceof Error
        ? error.message
        : String(error);
    throw new HttpError({
      status: 400,
      reason: 'invalid_json',
      message: `${what} is not valid JSON: ${detail}`,
      param: options.param ?? null,
      cause: error,
    });
  }
}
