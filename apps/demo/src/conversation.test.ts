import { createOpenAICompatibleProvider } from '@victor-ai/provider-pool';
import { createLoopbackServer } from '@victor-ai/provider-pool/testing';
import { describe, expect, it } from 'vitest';
import { readModelConfig } from './config.js';
import { runConversation } from './conversation.js';
import { offlineReply } from './offline-model.js';

describe('runConversation', () => {
  it('streams each reply and reports its timing, keeping the history', async () => {
    const server = await createLoopbackServer({ reply: offlineReply, chunkGapMs: 1 });
    const provider = createOpenAICompatibleProvider({ baseURL: server.baseURL });
    let printed = '';
    try {
      const timings = await runConversation(provider, 'loopback-1', ['What is Victor?', 'hello'], {
        write: (text) => {
          printed += text;
        },
      });
      expect(timings).toHaveLength(2);
      expect(timings[0]!.text).toMatch(/^Victor is a runtime/);
      expect(timings[1]!.text).toBe('You said: hello');
      for (const timing of timings) expect(timing.totalMs).toBeGreaterThanOrEqual(timing.ttftMs);
      expect(printed).toContain('assistant> You said: hello');
      expect(printed).toMatch(/time to first token \d+\.\d ms, total \d+\.\d ms/);
      // The second request carried the whole conversation so far.
      const messages = server.requests.at(-1)!.body.messages as Array<{ role: string }>;
      expect(messages.map((message) => message.role)).toEqual(['system', 'user', 'assistant', 'user']);
    } finally {
      await provider.close();
      await server.close();
    }
  });
});

describe('readModelConfig', () => {
  it('is offline without VICTOR_BASE_URL', () => {
    expect(readModelConfig({})).toEqual({ kind: 'offline' });
  });

  it('reads a remote endpoint', () => {
    expect(
      readModelConfig({
        VICTOR_BASE_URL: 'http://127.0.0.1:11434/v1',
        VICTOR_MODEL: 'llama3.2',
        VICTOR_API_KEY: 'k',
      }),
    ).toEqual({ kind: 'remote', baseURL: 'http://127.0.0.1:11434/v1', apiKey: 'k', model: 'llama3.2' });
  });

  it('asks for the model when only the URL is set', () => {
    expect(() => readModelConfig({ VICTOR_BASE_URL: 'http://x/v1' })).toThrow('VICTOR_MODEL');
  });
});
