import { describe, expect, it } from 'vitest';
import { createAnthropicProvider, createOpenAICompatibleProvider } from './index.js';

// An unset environment variable arrives as an explicit `undefined`: it means "not given", as if omitted.
describe('options given as undefined (an unset process.env.X)', () => {
  it('fall back to the defaults', async () => {
    const anthropic = createAnthropicProvider({
      apiKey: undefined,
      baseURL: undefined,
      anthropicVersion: undefined,
    });
    expect(anthropic.id).toBe('anthropic:https://api.anthropic.com/v1');
    const compatible = createOpenAICompatibleProvider({
      baseURL: 'http://127.0.0.1:1/v1',
      apiKey: undefined,
      embeddingModel: undefined,
    });
    expect(compatible.id).toBe('openai-compatible:http://127.0.0.1:1/v1');
    await Promise.all([anthropic.close(), compatible.close()]);
  });
});
