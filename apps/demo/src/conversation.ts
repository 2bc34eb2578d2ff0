import type { Message, Provider } from '@victor-ai/core';

/** Timing of one streamed turn, in milliseconds. */
export interface TurnTiming {
  ttftMs: number;
  totalMs: number;
  text: string;
}

/** Where the demo writes: the terminal in the CLI, a buffer in tests. */
export interface Output {
  write(text: string): void;
}

/** Streams one user turn to `output`, keeps the history, and returns the turn's timing. */
export async function streamTurn(
  provider: Provider,
  model: string,
  history: Message[],
  userText: string,
  output: Output,
): Promise<TurnTiming> {
  history.push({ role: 'user', content: userText });
  const started = performance.now();
  let firstTokenAt: number | undefined;
  let text = '';
  for await (const event of provider.stream({ model, messages: history })) {
    if (event.type === 'text-delta') {
      firstTokenAt ??= performance.now();
      text += event.delta;
      output.write(event.delta);
    } else if (event.type === 'error') {
      throw event.error;
    }
  }
  const ended = performance.now();
  history.push({ role: 'assistant', content: text });
  return { ttftMs: (firstTokenAt ?? ended) - started, totalMs: ended - started, text };
}

/** Runs a short conversation, printing each reply as it streams and its time to first token and total. */
export async function runConversation(
  provider: Provider,
  model: string,
  turns: readonly string[],
  output: Output,
): Promise<TurnTiming[]> {
  const history: Message[] = [
    { role: 'system', content: 'You are a concise assistant. Answer in one or two sentences.' },
  ];
  const timings: TurnTiming[] = [];
  for (const turn of turns) {
    output.write(`\nyou> ${turn}\nassistant> `);
    const timing = await streamTurn(provider, model, history, turn, output);
    output.write(
      `\n  [time to first token ${timing.ttftMs.toFixed(1)} ms, total ${timing.totalMs.toFixed(1)} ms]\n`,
    );
    timings.push(timing);
  }
  return timings;
}
