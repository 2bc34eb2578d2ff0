import type { ChatRequest, Message } from '@victor-ai/core';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { isDeterministicRequest, responseCacheKey, toolResultCacheKey, toolSetHash } from './keys.js';

const message: fc.Arbitrary<Message> = fc.oneof(
  fc.record({ role: fc.constant('user' as const), content: fc.string({ maxLength: 20 }) }),
  fc.record({ role: fc.constant('system' as const), content: fc.string({ maxLength: 20 }) }),
);

const request: fc.Arbitrary<ChatRequest> = fc.record(
  {
    model: fc.constantFrom('gpt-a', 'gpt-b', 'claude-c'),
    messages: fc.array(message, { minLength: 1, maxLength: 3 }),
    temperature: fc.constantFrom(0, 0.5, 1),
    topP: fc.constantFrom(0.9, 1),
    maxTokens: fc.constantFrom(16, 256),
    seed: fc.nat(3),
    stop: fc.array(fc.constantFrom('\n', 'END'), { maxLength: 2 }),
  },
  { requiredKeys: ['model', 'messages'] },
);

const tenant = fc.string({ minLength: 1, maxLength: 8 });

describe('responseCacheKey', () => {
  it('keys provider options, and leaves the key of a request without them as it was', () => {
    const base: ChatRequest = { model: 'm', messages: [{ role: 'user', content: 'hi' }], temperature: 0 };
    const withOptions: ChatRequest = {
      ...base,
      providerOptions: { openai: { previousResponseId: 'resp_1' } },
    };
    const other: ChatRequest = { ...base, providerOptions: { openai: { previousResponseId: 'resp_2' } } };
    expect(responseCacheKey(withOptions)).not.toBe(responseCacheKey(base));
    expect(responseCacheKey(withOptions)).not.toBe(responseCacheKey(other));
    expect(responseCacheKey({ ...base, providerOptions: undefined })).toBe(responseCacheKey(base));
  });

  it('never gives two tenants the same key for the same request', () => {
    fc.assert(
      fc.property(request, tenant, tenant, (chat, first, second) => {
        fc.pre(first !== second);
        expect(responseCacheKey(chat, { tenantId: first })).not.toBe(
          responseCacheKey(chat, { tenantId: second }),
        );
      }),
      { numRuns: 500 },
    );
  });

  it('never gives two different requests the same key', () => {
    fc.assert(
      fc.property(request, request, tenant, (first, second, tenantId) => {
        fc.pre(JSON.stringify(first) !== JSON.stringify(second));
        expect(responseCacheKey(first, { tenantId })).not.toBe(responseCacheKey(second, { tenantId }));
      }),
      { numRuns: 1_000 },
    );
  });

  it('keeps a request without a tenant apart from every named tenant', () => {
    fc.assert(
      fc.property(request, tenant, (chat, tenantId) => {
        expect(responseCacheKey(chat)).not.toBe(responseCacheKey(chat, { tenantId }));
      }),
    );
  });

  it('reads the tenant from the request metadata', () => {
    const chat: ChatRequest = {
      model: 'm',
      messages: [{ role: 'user', content: 'hi' }],
      metadata: { tenantId: 'a' },
    };
    expect(responseCacheKey(chat)).toBe(responseCacheKey({ ...chat, metadata: {} }, { tenantId: 'a' }));
  });

  it('ignores headers, signals and metadata other than the tenant', () => {
    const chat: ChatRequest = { model: 'm', messages: [{ role: 'user', content: 'hi' }], temperature: 0 };
    const noisy: ChatRequest = {
      ...chat,
      headers: { 'x-trace': '1' },
      abortSignal: new AbortController().signal,
      metadata: { userId: 'u' },
    };
    expect(responseCacheKey(noisy, { tenantId: 't' })).toBe(responseCacheKey(chat, { tenantId: 't' }));
  });

  it('changes with each sampling parameter, the tools and the tool choice', () => {
    const base: ChatRequest = { model: 'm', messages: [{ role: 'user', content: 'hi' }] };
    const tool = { name: 'read', description: 'reads', parameters: { type: 'object' } };
    const variants: ChatRequest[] = [
      base,
      { ...base, temperature: 0 },
      { ...base, topP: 0.5 },
      { ...base, maxTokens: 5 },
      { ...base, stop: ['x'] },
      { ...base, seed: 1 },
      { ...base, tools: [tool] },
      { ...base, tools: [tool], toolChoice: 'required' },
      { ...base, model: 'n' },
    ];
    const keys = new Set(variants.map((variant) => responseCacheKey(variant, { tenantId: 't' })));
    expect(keys.size).toBe(variants.length);
  });

  it('gives the same key for the same request written in another key order', () => {
    const first: ChatRequest = { model: 'm', temperature: 0, messages: [{ role: 'user', content: 'hi' }] };
    const second = JSON.parse('{"messages":[{"content":"hi","role":"user"}],"temperature":0,"model":"m"}');
    expect(responseCacheKey(second, { tenantId: 't' })).toBe(responseCacheKey(first, { tenantId: 't' }));
  });
});

describe('toolSetHash', () => {
  it('treats a zod tool and its JSON Schema twin alike, and hashes each array once', () => {
    const zodTools = [{ name: 'read', description: 'd', parameters: z.object({ path: z.string() }) }];
    const hash = toolSetHash(zodTools);
    expect(toolSetHash(zodTools)).toBe(hash);
    expect(toolSetHash([{ name: 'read', description: 'd', parameters: { type: 'object' } }])).not.toBe(hash);
    expect(toolSetHash([])).toBeNull();
  });
});

describe('toolResultCacheKey', () => {
  it('never collides across tenants, tools or arguments', () => {
    fc.assert(
      fc.property(
        fc.tuple(
          fc.option(tenant, { nil: undefined }),
          fc.constantFrom('read', 'list'),
          fc.dictionary(fc.string(), fc.jsonValue()),
        ),
        fc.tuple(
          fc.option(tenant, { nil: undefined }),
          fc.constantFrom('read', 'list'),
          fc.dictionary(fc.string(), fc.jsonValue()),
        ),
        (first, second) => {
          fc.pre(JSON.stringify(first) !== JSON.stringify(second));
          expect(toolResultCacheKey(first[1], first[2], first[0])).not.toBe(
            toolResultCacheKey(second[1], second[2], second[0]),
          );
        },
      ),
      { numRuns: 500 },
    );
  });
});

describe('isDeterministicRequest', () => {
  it('is true only at temperature 0', () => {
    expect(isDeterministicRequest({ model: 'm', messages: [], temperature: 0 })).toBe(true);
    expect(isDeterministicRequest({ model: 'm', messages: [], temperature: 0.2 })).toBe(false);
    expect(isDeterministicRequest({ model: 'm', messages: [] })).toBe(false);
  });
});
