import {
  createOpenAICompatibleProvider,
  type OpenAICompatibleProvider,
  type OpenAICompatibleProviderOptions,
} from '@victor-ai/provider-pool';
import {
  createLoopbackServer,
  type LoopbackServer,
  type LoopbackServerOptions,
} from '@victor-ai/provider-pool/testing';
import { afterEach, beforeEach } from 'vitest';

/** The loopback server of the current test and an OpenAI-compatible provider on it. */
export interface LoopbackFixture {
  readonly server: LoopbackServer;
  readonly provider: OpenAICompatibleProvider;
}

/**
 * Starts a loopback server and a provider on it before each test of the calling file and closes both
 * after it; read them from the returned object inside the tests.
 */
export function useLoopbackProvider(
  serverOptions?: LoopbackServerOptions,
  providerOptions?: Omit<OpenAICompatibleProviderOptions, 'baseURL'>,
): LoopbackFixture {
  const fixture = {} as { server: LoopbackServer; provider: OpenAICompatibleProvider };
  beforeEach(async () => {
    fixture.server = await createLoopbackServer(serverOptions);
    fixture.provider = createOpenAICompatibleProvider({
      baseURL: fixture.server.baseURL,
      ...providerOptions,
    });
  });
  afterEach(async () => {
    await fixture.provider.close();
    await fixture.server.close();
  });
  return fixture;
}
