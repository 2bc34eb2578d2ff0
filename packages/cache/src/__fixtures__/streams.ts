import type { StreamEvent } from '@victor-ai/core';

/** Every event of `stream`, in order. */
export async function collect(stream: AsyncIterable<StreamEvent>): Promise<StreamEvent[]> {
  const out: StreamEvent[] = [];
  for await (const event of stream) out.push(event);
  return out;
}

/** A model stream yielding `list`; `counter.started` counts the streams started. */
export async function* source(list: readonly StreamEvent[], counter?: { started: number }) {
  if (counter) counter.started++;
  for (const event of list) yield event;
}

/** A short answer as stream events: one text delta, then the finish. */
export function textEvents(delta: string): StreamEvent[] {
  return [
    { type: 'text-delta', delta },
    { type: 'finish', finishReason: 'stop', usage: { inputTokens: 1, outputTokens: 1 } },
  ];
}
