import { describe, expect, it } from 'vitest';
import { openModel } from './model.js';
import { offlineReply } from './offline-model.js';

describe('openModel', () => {
  it('speaks OpenAI Responses to the offline loopback model with api "responses", reasoning included', async () => {
    const opened = await openModel(
      { kind: 'offline', api: 'responses' },
      { reply: offlineReply, ttftMs: 0, chunkGapMs: 0 },
    );
    try {
      const response = await opened.provider.chat({
        model: opened.model,
        messages: [{ role: 'user', content: 'hello' }],
      });
      expect(response.text).toBe('You said: hello');
      expect(response.message.reasoning?.[0]).toMatchObject({ provider: 'openai-responses' });
      expect(response.usage.reasoningTokens).toBeGreaterThan(0);
      let text = '';
      for await (const event of opened.provider.stream({
        model: opened.model,
        messages: [{ role: 'user', content: 'again' }],
      })) {
        if (event.type === 'text-delta') text += event.delta;
      }
      expect(text).toBe('You said: again');
    } finally {
      await opened.close();
    }
  });
});
