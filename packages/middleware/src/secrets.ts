/** A kind of secret and how to recognise it in text. */
export interface SecretPattern {
  /** Short, stable name used in block reasons and redaction markers (`aws-access-key-id`). */
  name: string;
  /** Matches the secret; must have the `g` flag (it is used to replace every occurrence). */
  pattern: RegExp;
}

/**
 * Secrets recognised by default: private keys, cloud credentials (AWS, Google, Azure), tokens of common
 * services (GitHub, GitLab, Slack, Stripe, npm, Hugging Face, OpenAI, Anthropic), JWTs, bearer tokens,
 * passwords in URLs and literal `password=`/`api_key=` style assignments.
 */
export const defaultSecretPatterns: readonly SecretPattern[] = Object.freeze([
  {
    name: 'private-key',
    pattern:
      /-----BEGIN (?:[A-Z0-9]+ )*PRIVATE KEY(?: BLOCK)?-----(?:[\s\S]*?-----END (?:[A-Z0-9]+ )*PRIVATE KEY(?: BLOCK)?-----|[\s\S]*$)/g,
  },
  { name: 'aws-access-key-id', pattern: /\b(?:AKIA|ASIA|ABIA|ACCA)[0-9A-Z]{16}\b/g },
  {
    name: 'aws-secret-access-key',
    pattern: /\baws_secret_access_key\b\s*[=:]\s*["']?[A-Za-z0-9/+=]{40}\b/gi,
  },
  { name: 'google-api-key', pattern: /\bAIza[0-9A-Za-z_-]{35}\b/g },
  { name: 'azure-storage-key', pattern: /\bAccountKey=[A-Za-z0-9+/=]{60,}/g },
  { name: 'github-token', pattern: /\b(?:gh[pousr]_[A-Za-z0-9]{36,255}|github_pat_[A-Za-z0-9_]{22,255})\b/g },
  { name: 'gitlab-token', pattern: /\bglpat-[A-Za-z0-9_-]{20,}\b/g },
  { name: 'slack-token', pattern: /\bxox[abposr]-[A-Za-z0-9-]{10,}\b/g },
  { name: 'stripe-key', pattern: /\b[sr]k_live_[0-9a-zA-Z]{20,}\b/g },
  { name: 'npm-token', pattern: /\bnpm_[A-Za-z0-9]{36}\b/g },
  { name: 'huggingface-token', pattern: /\bhf_[A-Za-z0-9]{30,}\b/g },
  { name: 'anthropic-api-key', pattern: /\bsk-ant-[A-Za-z0-9_-]{20,}/g },
  { name: 'openai-api-key', pattern: /\bsk-(?:proj-|svcacct-|admin-)?[A-Za-z0-9_-]{20,}/g },
  { name: 'jwt', pattern: /\beyJ[A-Za-z0-9_-]{8,}\.eyJ[A-Za-z0-9_-]{8,}\.[A-Za-z0-9_-]{8,}/g },
  { name: 'bearer-token', pattern: /\bBearer\s+[A-Za-z0-9._~+/-]{20,}=*/gi },
  {
    name: 'url-password',
    // Placeholders (`user:password@`, `:changeme@`, `:<pass>@`) are documentation, not secrets.
    pattern:
      /\b[a-z][a-z0-9+.-]*:\/\/[^\s:@/"']+:(?!(?:password|passwd|pass|secret|changeme|example|x+|\*+)@)[^\s@/"'$<]{3,}@/gi,
  },
  {
    name: 'credential-assignment',
    pattern:
      /\b(?:password|passwd|secret|api[_-]?key|access[_-]?token|auth[_-]?token|client[_-]?secret)\b["']?\s*[=:]\s*["']?(?![$<{])(?![^\s"'&;]*(?:your|example|placeholder|changeme|dummy|sample|redacted|xxxx|\.\.\.|\*\*\*))[^\s"'&;]{12,}/gi,
  },
]);

// Every default pattern contains one of these; one scan for them rules most strings out at once.
const DEFAULT_PREFILTER =
  /-----BEGIN|A[KS]IA|ABIA|ACCA|aws_secret|AIza|AccountKey=|gh[pousr]_|github_pat_|glpat-|xox[abposr]-|[sr]k_live_|npm_|hf_|sk-|eyJ|bearer|:\/\/|passw|secret|api[_-]?key|access[_-]?token|auth[_-]?token/i;

function mayHoldSecret(text: string, patterns: readonly SecretPattern[]): boolean {
  return patterns !== defaultSecretPatterns || DEFAULT_PREFILTER.test(text);
}

/** Where a secret was found in a value. */
export interface SecretFinding {
  /** The pattern's name. */
  kind: string;
  /** Path of the string inside the value (`arguments.env.TOKEN`, `output[2]`). */
  path: string;
}

/** Options of `findSecret` and `redactSecrets`. */
export interface SecretScanOptions {
  patterns?: readonly SecretPattern[];
  /** How deep to look into nested objects and arrays; default 8. */
  maxDepth?: number;
}

function firstMatch(text: string, patterns: readonly SecretPattern[]): SecretPattern | undefined {
  if (!mayHoldSecret(text, patterns)) return undefined;
  for (const secret of patterns) {
    secret.pattern.lastIndex = 0;
    const found = secret.pattern.test(text);
    secret.pattern.lastIndex = 0;
    if (found) return secret;
  }
  return undefined;
}

/**
 * The first secret found in a string, or in any string nested in an object or array, with
 * where it was. Never returns the secret itself.
 */
export function findSecret(
  value: unknown,
  options: SecretScanOptions = {},
  path = '$',
): SecretFinding | undefined {
  const patterns = options.patterns ?? defaultSecretPatterns;
  const maxDepth = options.maxDepth ?? 8;
  return scan(value, patterns, maxDepth, path);
}

function scan(
  value: unknown,
  patterns: readonly SecretPattern[],
  depth: number,
  path: string,
): SecretFinding | undefined {
  if (typeof value === 'string') {
    // Shortest secret the default patterns match is 16 characters or so; skip tiny strings fast.
    if (value.length < 12) return undefined;
    const secret = firstMatch(value, patterns);
    return secret === undefined ? undefined : { kind: secret.name, path };
  }
  if (depth <= 0 || typeof value !== 'object' || value === null) return undefined;
  if (Array.isArray(value)) {
    for (let index = 0; index < value.length; index++) {
      const found = scan(value[index], patterns, depth - 1, `${path}[${index}]`);
      if (found !== undefined) return found;
    }
    return undefined;
  }
  for (const key of Object.keys(value)) {
    const found = scan((value as Record<string, unknown>)[key], patterns, depth - 1, `${path}.${key}`);
    if (found !== undefined) return found;
  }
  return undefined;
}

/** Replaces each secret in a string with `[REDACTED:<kind>]`. */
export function redactString(
  text: string,
  patterns: readonly SecretPattern[] = defaultSecretPatterns,
): string {
  if (text.length < 12 || !mayHoldSecret(text, patterns)) return text;
  let result = text;
  for (const secret of patterns) {
    secret.pattern.lastIndex = 0;
    if (!secret.pattern.test(result)) continue;
    secret.pattern.lastIndex = 0;
    result = result.replace(secret.pattern, `[REDACTED:${secret.name}]`);
  }
  return result;
}

const SENSITIVE_KEY =
  /^(?:password|passwd|secret|token|api[_-]?key|access[_-]?token|refresh[_-]?token|auth[_-]?token|authorization|client[_-]?secret|private[_-]?key|cookie|set-cookie|x-api-key)$/i;

/**
 * A copy of a value with every secret replaced by `[REDACTED:<kind>]` and the values of keys named like
 * secrets (`password`, `token`, `apiKey`, `authorization`, ...) replaced by `[REDACTED]`. Objects that
 * hold no secret are returned as they are (no copy).
 */
export function redactSecrets<T>(value: T, options: SecretScanOptions = {}): T {
  const patterns = options.patterns ?? defaultSecretPatterns;
  return redact(value, patterns, options.maxDepth ?? 8) as T;
}

function redact(value: unknown, patterns: readonly SecretPattern[], depth: number): unknown {
  if (typeof value === 'string') return redactString(value, patterns);
  if (depth <= 0 || typeof value !== 'object' || value === null) return value;
  if (Array.isArray(value)) {
    let copy: unknown[] | undefined;
    for (let index = 0; index < value.length; index++) {
      const item = value[index];
      const redacted = redact(item, patterns, depth - 1);
      if (redacted !== item) {
        copy ??= value.slice();
        copy[index] = redacted;
      }
    }
    return copy ?? value;
  }
  const prototype = Object.getPrototypeOf(value);
  if (prototype !== Object.prototype && prototype !== null) return value;
  let copy: Record<string, unknown> | undefined;
  for (const key of Object.keys(value)) {
    const item = (value as Record<string, unknown>)[key];
    const redacted =
      SENSITIVE_KEY.test(key) && item !== undefined && item !== null && item !== ''
        ? '[REDACTED]'
        : redact(item, patterns, depth - 1);
    if (redacted !== item) {
      copy ??= { ...(value as Record<string, unknown>) };
      copy[key] = redacted;
    }
  }
  return copy ?? value;
}
