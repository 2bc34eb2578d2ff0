import type { ClientProcess, ServerProcess } from './processes.js';
import type { BenchSettings } from './settings.js';
import { percentile, round, sorted } from './stats.js';

/** Raw and stack clients, measured against one loopback server. */
export interface Pair {
  raw: ClientProcess;
  stack: ClientProcess;
}

/**
 * The slow-provider scenario (docs/decisions.md): the provider takes 50 ms to answer and 45 ms to its first token. Raw and stack
 * alternate in rounds; chat latency, TTFT and total are the stack's, overhead is stack minus raw.
 */
export async function adr005(
  pair: Pair,
  server: ServerProcess,
  settings: BenchSettings,
  onRound: () => void,
) {
  await server.configure({ latencyMs: 50, ttftMs: 45, chunkGapMs: 1 });
  try {
    const rounds = settings.quick ? 2 : 4;
    const perRound = Math.max(5, Math.round(settings.adrPerClient / rounds));
    const rawChat: number[] = [];
    const stackChat: number[] = [];
    const rawTtft: number[] = [];
    const stackTtft: number[] = [];
    const stackTotal: number[] = [];
    for (let round = 0; round < rounds; round++) {
      rawChat.push(...(await pair.raw.run('chat', perRound, 1)).samplesUs);
      stackChat.push(...(await pair.stack.run('chat', perRound, 1)).samplesUs);
      rawTtft.push(...(await pair.raw.run('stream', perRound, 1)).samplesUs);
      const stream = await pair.stack.run('stream', perRound, 1);
      stackTtft.push(...stream.samplesUs);
      stackTotal.push(...stream.totalUs);
      onRound();
    }
    const p50 = (values: number[]) => percentile(sorted(values), 50);
    const stackP50 = p50(stackChat);
    const rawP50 = p50(rawChat);
    return {
      chatLatencyP50Ms: round(stackP50 / 1000, 2),
      ttftP50Ms: round(p50(stackTtft) / 1000, 2),
      totalP50Ms: round(p50(stackTotal) / 1000, 2),
      p95Ms: round(percentile(sorted(stackChat), 95) / 1000, 2),
      overheadPct: round(((stackP50 - rawP50) / rawP50) * 100, 3),
      addedP50Us: round(stackP50 - rawP50),
      addedTtftP50Us: round(p50(stackTtft) - p50(rawTtft)),
      samplesPerClient: rounds * perRound,
    };
  } finally {
    await server.configure({ latencyMs: 0, ttftMs: 0, chunkGapMs: 0 });
  }
}
