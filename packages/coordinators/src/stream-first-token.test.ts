import type { MetricLabels, MetricsSink, Provider, StreamEvent } from '@victor-ai/core';
import { MetricNames } from '@victor-ai/core';
import { describe, expect, it } from 'vitest';
import { createAgent } from './agent.js';

// The streaming path hands the first token over before it records the time-to-first-token metric; a
// caller that stops right at that token is still counted.

function scriptedProvider(events: StreamEvent[]): Provider {
  return {
    id: 'scripted',
    chat: () => Promise.reject(new Error('stream only')),
    async *stream() {
      for (const event of events) yield event;
    },
    close: async () => {},
  };
}

const EVENTS: StreamEvent[] = [
  { type: 'response-start', id: 'r1', model: 'm' },
  { type: 'text-delta', delta: 'Hello' },
  { type: 'text-delta', delta: ' there' },
  { type: 'finish', finishReason: 'stop', usage: { inputTokens: 3, outputTokens: 2 } },
];

function recordingSink(): { sink: MetricsSink; ttft: Array<{ value: number; labels?: MetricLabels }> } {
  const ttft: Array<{ value: number; labels?: MetricLabels }> = [];
  const sink: MetricsSink = {
    increment: () => {},
    gauge: () => {},
    observe: (name, value, labels) => {
      if (name === MetricNames.chatTimeToFirstToken) ttft.push({ value, labels });
    },
  };
  return { sink, ttft };
}

describe('streamed turn: first token', () => {
  it('yields every event and records the time to first token once, after the token was handed over', async () => {
    const { sink, ttft } = recordingSink();
    const agent = createAgent({ provider: scriptedProvider(EVENTS), model: 'm', metrics: sink });
    const seen: string[] = [];
    for await (const event of agent.stream([{ role: 'user', content: 'hi' }])) {
      seen.push(event.type);
      // At the first token the metric is not recorded yet.
      if (event.type === 'text-delta' && seen.filter((type) => type === 'text-delta').length === 1)
        expect(ttft).toHaveLength(0);
    }
    expect(seen).toEqual([
      'response-start',
      'text-delta',
      'text-delta',
      'finish',
      'step-finish',
      'turn-finish',
    ]);
    expect(ttft).toHaveLength(1);
    expect(ttft[0]!.value).toBeGreaterThanOrEqual(0);
    await agent.close();
  });

  it('records it when the caller stops at the first token', async () => {
    const { sink, ttft } = recordingSink();
    const agent = createAgent({ provider: scriptedProvider(EVENTS), model: 'm', metrics: sink });
    for await (const event of agent.stream('hi')) {
      if (event.type === 'text-delta') break;
    }
    expect(ttft).toHaveLength(1);
    await agent.close();
  });

  it('gives a turn of a stored conversation (string input) the same events as messages given whole', async () => {
    const agent = createAgent({ provider: scriptedProvider(EVENTS), model: 'm' });
    const types = async (input: string | Array<{ role: 'user'; content: string }>) => {
      const seen: string[] = [];
      for await (const event of agent.stream(input)) seen.push(event.type);
      return seen;
    };
    expect(await types('hi')).toEqual(await types([{ role: 'user', content: 'hi' }]));
    await agent.close();
  });
});
