import { createOpenAICompatibleProvider } from '@victor-ai/provider-pool';
import {
  createLoopbackServer,
  type LoopbackReply,
  type LoopbackRequest,
  type LoopbackServer,
} from '@victor-ai/provider-pool/testing';
import { afterAll, beforeAll, beforeEach } from 'vitest';
import { type Agent, createAgent } from '../agent.js';
import type { AgentConfig } from '../config.js';

/** What a test scripts the loopback model to answer; `undefined` lets the server echo. */
export type LoopbackScript = (request: LoopbackRequest) => LoopbackReply | undefined;

/** One loopback model server for a test file, a script reset before each test, and agents closed after. */
export interface LoopbackAgents {
  /** The file's loopback server (available from `beforeAll` on). */
  readonly server: LoopbackServer;
  /** The current test's script. */
  script: LoopbackScript | undefined;
  /** An agent on the loopback server (model `loopback-1`, a short system prompt), closed after the file. */
  agentWith(config?: Partial<AgentConfig>): Agent;
}

/** Registers the vitest hooks of a file whose tests talk to agents over one loopback model server. */
export function useLoopbackAgents(): LoopbackAgents {
  let server: LoopbackServer | undefined;
  const agents: Agent[] = [];
  const fixture: LoopbackAgents = {
    get server() {
      if (server === undefined) throw new Error('the loopback server starts in beforeAll');
      return server;
    },
    script: undefined,
    agentWith(config = {}) {
      const agent = createAgent({
        provider: createOpenAICompatibleProvider({ baseURL: fixture.server.baseURL }),
        model: 'loopback-1',
        systemPrompt: 'You are a test agent.',
        ...config,
      });
      agents.push(agent);
      return agent;
    },
  };
  beforeAll(async () => {
    server = await createLoopbackServer({ reply: (request) => fixture.script?.(request) });
  });
  afterAll(async () => {
    for (const agent of agents) await agent.close();
    await server?.close();
  });
  beforeEach(() => {
    fixture.script = undefined;
  });
  return fixture;
}
