import type { ChatRequest, ToolDefinition } from '@victor-ai/core';
import { canonicalHash, toJsonSchema } from '@victor-ai/core';

/** Version of the key layout; bumped when what goes into a key changes, so old entries are never read. */
export const KEY_VERSION = 1;

const toolsHashes = new WeakMap<readonly ToolDefinition[], string>();

/** Hash of a tool set as the model sees it (names, descriptions, JSON Schema parameters), computed once per array. */
export function toolSetHash(tools: readonly ToolDefinition[] | undefined): string | null {
  if (tools === undefined || tools.length === 0) return null;
  let hash = toolsHashes.get(tools);
  if (hash === undefined) {
    hash = canonicalHash(
      tools.map((tool) => ({
        name: tool.name,
        description: tool.description,
        parameters: toJsonSchema(tool.parameters),
      })),
    );
    toolsHashes.set(tools, hash);
  }
  return hash;
}

/** Options of `responseCacheKey`. */
export interface ResponseCacheKeyOptions {
  /**
   * The tenant the entry belongs to; default `request.metadata.tenantId`. A request with no tenant gets the
   * "no tenant" scope, which no named tenant can read.
   */
  tenantId?: string;
}

/**
 * The response-cache key of a chat request: a canonical hash of the tenant, model, messages, tools, tool
 * choice, sampling parameters (temperature, topP, maxTokens, stop, seed) and provider options. Headers, signals and other
 * metadata are left out. Two requests get the same key only when all of those are equal.
 */
export function responseCacheKey(request: ChatRequest, options: ResponseCacheKeyOptions = {}): string {
  const tenant = options.tenantId ?? request.metadata?.tenantId ?? null;
  const fields: Record<string, unknown> = {
    v: KEY_VERSION,
    tenant,
    model: request.model,
    messages: request.messages,
    tools: toolSetHash(request.tools),
    toolChoice: request.toolChoice ?? null,
    temperature: request.temperature ?? null,
    topP: request.topP ?? null,
    maxTokens: request.maxTokens ?? null,
    stop: request.stop ?? null,
    seed: request.seed ?? null,
  };
  // Provider options change the answer (a previous response id, thinking budgets); they are keyed only when
  // present, so that requests without them keep their keys.
  if (request.providerOptions !== undefined) fields.providerOptions = request.providerOptions;
  return `response:${canonicalHash(fields)}`;
}

/** True when a request asks for a reproducible answer (temperature 0), the only kind worth caching. */
export function isDeterministicRequest(request: ChatRequest): boolean {
  return request.temperature === 0;
}

/** The tool-result key of one call: a canonical hash of the tenant, the tool's name and its arguments. */
export function toolResultCacheKey(
  name: string,
  args: Readonly<Record<string, unknown>>,
  tenantId: string | undefined,
): string {
  return `tool:${canonicalHash({ v: KEY_VERSION, tenant: tenantId ?? null, name, args })}`;
}
