import { describe, expectTypeOf, it } from 'vitest';
import {
  type AnthropicProviderOptions,
  createAnthropicProvider,
  createOpenAICompatibleProvider,
  createOpenAIResponsesProvider,
  type HttpProviderOptions,
  type OpenAICompatibleProviderOptions,
  type OpenAIResponsesProviderOptions,
} from './index.js';

// Checked under exactOptionalPropertyTypes (tsconfig.typetest.json): a strict user passes `process.env.X`,
// which is `string | undefined`, straight into the options.
describe('provider options filled from the environment', () => {
  it('take process.env values for apiKey', () => {
    createOpenAICompatibleProvider({ baseURL: 'http://127.0.0.1:1/v1', apiKey: process.env.OPENAI_API_KEY });
    createOpenAIResponsesProvider({ baseURL: 'http://127.0.0.1:1/v1', apiKey: process.env.OPENAI_API_KEY });
    createAnthropicProvider({ apiKey: process.env.ANTHROPIC_API_KEY });
    expectTypeOf<OpenAICompatibleProviderOptions['apiKey']>().toEqualTypeOf<string | undefined>();
    expectTypeOf<OpenAIResponsesProviderOptions['apiKey']>().toEqualTypeOf<string | undefined>();
    expectTypeOf<AnthropicProviderOptions['apiKey']>().toEqualTypeOf<string | undefined>();
    expectTypeOf<HttpProviderOptions['apiKey']>().toEqualTypeOf<string | undefined>();
  });

  it('take process.env values for the optional URL, version and model settings', () => {
    createAnthropicProvider({
      baseURL: process.env.ANTHROPIC_BASE_URL,
      anthropicVersion: process.env.ANTHROPIC_VERSION,
    });
    createOpenAICompatibleProvider({
      baseURL: 'http://127.0.0.1:1/v1',
      embeddingModel: process.env.EMBEDDING_MODEL,
    });
    expectTypeOf<{ baseURL: string | undefined }>().toExtend<Pick<AnthropicProviderOptions, 'baseURL'>>();
  });

  it('still requires the base URL of an OpenAI-compatible provider', () => {
    // @ts-expect-error baseURL is required
    createOpenAICompatibleProvider({ apiKey: process.env.OPENAI_API_KEY });
  });
});
