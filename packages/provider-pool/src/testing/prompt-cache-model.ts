import { createHash, type Hash } from 'node:crypto';
import { invalidOption } from '@victor-ai/core';

/** Options of the loopback server's prompt-cache model. */
export interface LoopbackPromptCacheOptions {
  /** Anthropic: the shortest prefix a breakpoint caches, in tokens; default 1,024 (Sonnet's minimum). */
  minCacheableTokens?: number;
  /** Anthropic: lifetime of a cache entry without `ttl: '1h'`, refreshed by each read; default 300,000 ms. */
  ttlMs?: number;
  /** OpenAI: the shortest cached prefix, in tokens; default 1,024. */
  openAIMinTokens?: number;
  /** OpenAI: cached prefixes grow in steps of this many tokens; default 128. */
  openAIStepTokens?: number;
  /** Clock of the TTL; default `Date.now`. */
  now?: () => number;
}

/** Input-token usage as the prompt-cache model bills it. */
export interface LoopbackCacheUsage {
  /** The whole input, cached part included. */
  inputTokens: number;
  /** Read from the cache. */
  cachedTokens: number;
  /** Written to the cache (Anthropic only). */
  cacheWriteTokens: number;
}

// Tokens are estimated as characters / 4 of the canonical JSON of the prompt (cache markers left out).
const CHARS_PER_TOKEN = 4;
const tokensOf = (characters: number) => Math.ceil(characters / CHARS_PER_TOKEN);

function withoutMarkers(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(withoutMarkers);
  if (typeof value !== 'object' || value === null) return value;
  const out: Record<string, unknown> = {};
  for (const [key, child] of Object.entries(value))
    if (key !== 'cache_control') out[key] = withoutMarkers(child);
  return out;
}

function hasMarker(value: unknown): { ttl?: unknown } | undefined {
  if (typeof value !== 'object' || value === null) return undefined;
  if (Array.isArray(value)) {
    const last = value[value.length - 1];
    return hasMarker(last);
  }
  const marker = (value as { cache_control?: unknown }).cache_control;
  return typeof marker === 'object' && marker !== null ? (marker as { ttl?: unknown }) : undefined;
}

function positive(option: string, value: number | undefined, fallback: number): number {
  const result = value ?? fallback;
  if (!Number.isFinite(result) || result <= 0) throw invalidOption(option, 'a positive number', result);
  return result;
}

/**
 * Models the two APIs' prompt caches as documented. Anthropic: a prefix is cached only at a `cache_control`
 * breakpoint (tools, then system, then messages), when it is at least `minCacheableTokens` long, for a TTL
 * that each read refreshes; a request reads the longest cached breakpoint prefix and writes the longer
 * ones. OpenAI: the longest prefix seen before (per `prompt_cache_key` and model), counted in 128-token
 * steps from 1,024 tokens, is read; there are no writes to bill.
 */
export class LoopbackPromptCache {
  private readonly minCacheable: number;
  private readonly ttlMs: number;
  private readonly openAIMin: number;
  private readonly openAIStep: number;
  private readonly now: () => number;
  private readonly anthropicEntries = new Map<string, number>();
  private readonly openAIPrefixes = new Set<string>();

  constructor(options: LoopbackPromptCacheOptions = {}) {
    this.minCacheable = positive('promptCache.minCacheableTokens', options.minCacheableTokens, 1024);
    this.ttlMs = positive('promptCache.ttlMs', options.ttlMs, 300_000);
    this.openAIMin = positive('promptCache.openAIMinTokens', options.openAIMinTokens, 1024);
    this.openAIStep = positive('promptCache.openAIStepTokens', options.openAIStepTokens, 128);
    this.now = options.now ?? Date.now;
  }

  /** Bills an Anthropic Messages request body. */
  anthropic(body: Record<string, unknown>): LoopbackCacheUsage {
    const segments: Array<{ json: string; marker: { ttl?: unknown } | undefined }> = [];
    const tools = Array.isArray(body.tools) ? body.tools : [];
    for (const tool of tools)
      segments.push({ json: JSON.stringify(withoutMarkers(tool)), marker: hasMarker(tool) });
    // A string is the same prompt as one text block: both are normalised to blocks before hashing.
    const blocks = (content: unknown) =>
      typeof content === 'string' ? [{ type: 'text', text: content }] : content;
    const system = body.system;
    if (typeof system === 'string')
      segments.push({ json: JSON.stringify({ type: 'text', text: system }), marker: undefined });
    else if (Array.isArray(system)) {
      for (const block of system)
        segments.push({ json: JSON.stringify(withoutMarkers(block)), marker: hasMarker(block) });
    }
    const messages = Array.isArray(body.messages) ? body.messages : [];
    for (const message of messages) {
      const { role, content } = message as { role?: unknown; content?: unknown };
      segments.push({
        json: JSON.stringify({ role, content: withoutMarkers(blocks(content)) }),
        marker: hasMarker(content),
      });
    }
    const hash = createHash('sha256');
    hash.update(String(body.model));
    let characters = 0;
    const breakpoints: Array<{ key: string; tokens: number; ttl: number }> = [];
    for (const segment of segments) {
      hash.update(segment.json);
      characters += segment.json.length;
      if (segment.marker !== undefined) {
        const ttl = segment.marker.ttl === '1h' ? 3_600_000 : this.ttlMs;
        breakpoints.push({ key: hash.copy().digest('base64'), tokens: tokensOf(characters), ttl });
      }
    }
    const total = tokensOf(characters);
    const now = this.now();
    let read = 0;
    for (const point of breakpoints) {
      const expires = this.anthropicEntries.get(point.key);
      if (expires !== undefined && expires > now && point.tokens > read) {
        read = point.tokens;
        this.anthropicEntries.set(point.key, now + point.ttl);
      }
    }
    let written = 0;
    for (const point of breakpoints) {
      if (point.tokens <= read || point.tokens < this.minCacheable) continue;
      const expires = this.anthropicEntries.get(point.key);
      if (expires !== undefined && expires > now) continue;
      this.anthropicEntries.set(point.key, now + point.ttl);
      written = Math.max(written, point.tokens - read);
    }
    return { inputTokens: total, cachedTokens: read, cacheWriteTokens: written };
  }

  /** Bills an OpenAI Chat Completions or Responses request body. */
  openAI(body: Record<string, unknown>): LoopbackCacheUsage {
    const parts: string[] = [];
    if (Array.isArray(body.tools)) for (const tool of body.tools) parts.push(JSON.stringify(tool));
    const items = Array.isArray(body.messages) ? body.messages : Array.isArray(body.input) ? body.input : [];
    for (const item of items) parts.push(JSON.stringify(item));
    const text = parts.join('');
    const total = tokensOf(text.length);
    const scope = `${String(body.model)}\u0000${typeof body.prompt_cache_key === 'string' ? body.prompt_cache_key : ''}`;
    const hash: Hash = createHash('sha256');
    hash.update(scope);
    let cached = 0;
    const seen: string[] = [];
    let offset = 0;
    for (let tokens = this.openAIMin; tokens <= total; tokens += this.openAIStep) {
      const end = Math.min(text.length, tokens * CHARS_PER_TOKEN);
      hash.update(text.slice(offset, end));
      offset = end;
      const key = hash.copy().digest('base64');
      if (this.openAIPrefixes.has(key)) cached = tokens;
      seen.push(key);
    }
    for (const key of seen) this.openAIPrefixes.add(key);
    return { inputTokens: total, cachedTokens: cached, cacheWriteTokens: 0 };
  }
}
