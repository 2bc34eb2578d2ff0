import { createAnthropicProvider } from './anthropic/provider.js';
import { createOpenAICompatibleProvider } from './openai-compatible/provider.js';
import { providerBehaviourSuite } from './provider-behaviour.suite.js';

providerBehaviourSuite('OpenAICompatibleProvider', (baseURL, options) =>
  createOpenAICompatibleProvider({ baseURL, apiKey: 'test-key', ...options }),
);

providerBehaviourSuite('AnthropicProvider', (baseURL, options) =>
  createAnthropicProvider({ baseURL, apiKey: 'test-key', ...options }),
);
