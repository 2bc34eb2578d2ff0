import type { Provider } from '@victor-ai/core';
import { afterAll, beforeAll } from 'vitest';
import {
  createLoopbackServer,
  type LoopbackServer,
  type LoopbackServerOptions,
} from '../testing/loopback-server.js';

/** The loopback server of the calling test file (or describe block) and the provider made on it. */
export interface LoopbackProviderFixture<P extends Provider> {
  readonly server: LoopbackServer;
  readonly provider: P;
}

/**
 * Starts a loopback server and `create`s a provider on its base URL before the tests of the calling scope,
 * and closes both after them; read them from the returned object inside the tests.
 */
export function useLoopbackProvider<P extends Provider>(
  create: (baseURL: string) => P,
  serverOptions?: LoopbackServerOptions,
): LoopbackProviderFixture<P> {
  const fixture = {} as { server: LoopbackServer; provider: P };
  beforeAll(async () => {
    fixture.server = await createLoopbackServer(serverOptions);
    fixture.provider = create(fixture.server.baseURL);
  });
  afterAll(async () => {
    await fixture.provider.close();
    await fixture.server.close();
  });
  return fixture;
}
