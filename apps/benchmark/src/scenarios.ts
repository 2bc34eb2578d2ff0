import type { ClientProcess, ServerProcess } from './processes.js';
import type { BenchSettings } from './settings.js';
import { median, percentile, round, sorted } from './stats.js';

/** Raw and stack clients, measured against one loopback server. */
export interface Pair {
  raw: ClientProcess;
  stack: ClientProcess;
}

/** Latency samples of one pass of a scenario, for the report's charts. */
export interface Distribution {
  rawUs: number[];
  stackUs: number[];
}

/** Warms both clients up, interleaved, until both the call count and the minimum time are reached. */
export async function warmUp(pair: Pair, settings: BenchSettings): Promise<void> {
  const started = performance.now();
  let calls = 0;
  while (calls < settings.warmupCalls || performance.now() - started < settings.warmupMinMs) {
    for (const client of [pair.raw, pair.stack]) {
      await client.run('chat', 200, 1);
      await client.run('stream', 200, 1);
      await client.run('chat', 400, 16);
    }
    calls += 800;
  }
}

/** Non-streaming latency at concurrency 1: stack minus raw at p50 and p99, medians of the passes. */
export async function overhead(pair: Pair, settings: BenchSettings, onRound: () => void) {
  const passes: Array<{ rawP50Us: number; stackP50Us: number; rawP99Us: number; stackP99Us: number }> = [];
  let distribution: Distribution = { rawUs: [], stackUs: [] };
  for (let pass = 0; pass < settings.passes; pass++) {
    const rawUs: number[] = [];
    const stackUs: number[] = [];
    for (let roundIndex = 0; roundIndex < settings.overheadRounds; roundIndex++) {
      rawUs.push(...(await pair.raw.run('chat', settings.overheadPerRound, 1)).samplesUs);
      stackUs.push(...(await pair.stack.run('chat', settings.overheadPerRound, 1)).samplesUs);
      onRound();
    }
    const raw = sorted(rawUs);
    const stack = sorted(stackUs);
    passes.push({
      rawP50Us: percentile(raw, 50),
      stackP50Us: percentile(stack, 50),
      rawP99Us: percentile(raw, 99),
      stackP99Us: percentile(stack, 99),
    });
    distribution = { rawUs, stackUs };
  }
  const rawP50Us = median(passes.map((pass) => pass.rawP50Us));
  const stackP50Us = median(passes.map((pass) => pass.stackP50Us));
  return {
    result: {
      rawP50Us: round(rawP50Us),
      stackP50Us: round(stackP50Us),
      p50Us: round(median(passes.map((pass) => pass.stackP50Us - pass.rawP50Us))),
      p99Us: round(median(passes.map((pass) => pass.stackP99Us - pass.rawP99Us))),
      passes: passes.map((pass) => ({
        p50Us: round(pass.stackP50Us - pass.rawP50Us),
        p99Us: round(pass.stackP99Us - pass.rawP99Us),
      })),
    },
    distribution,
  };
}

/** Requests per second at concurrency 64, stack as a ratio of raw; CPU time per request of each client. */
export async function throughput(pair: Pair, settings: BenchSettings, onRound: () => void) {
  const rawRps: number[] = [];
  const stackRps: number[] = [];
  const rawCpu: number[] = [];
  const stackCpu: number[] = [];
  for (let pass = 0; pass < settings.passes * settings.throughputRounds; pass++) {
    const raw = await pair.raw.run('chat', settings.throughputPerRound, 64);
    const stack = await pair.stack.run('chat', settings.throughputPerRound, 64);
    rawRps.push(settings.throughputPerRound / (raw.elapsedMs / 1000));
    stackRps.push(settings.throughputPerRound / (stack.elapsedMs / 1000));
    rawCpu.push(raw.cpuUs / settings.throughputPerRound);
    stackCpu.push(stack.cpuUs / settings.throughputPerRound);
    onRound();
  }
  const ratios = rawRps.map((raw, index) => stackRps[index]! / raw);
  return {
    rawRps: Math.round(median(rawRps)),
    stackRps: Math.round(median(stackRps)),
    ratio: round(median(ratios), 3),
    rawCpuUsPerRequest: round(median(rawCpu)),
    stackCpuUsPerRequest: round(median(stackCpu)),
    rounds: ratios.map((ratio) => round(ratio, 3)),
  };
}

/** Time to first token of a stream at concurrency 1, stack vs raw. */
export async function streaming(pair: Pair, settings: BenchSettings, onRound: () => void) {
  const rawUs: number[] = [];
  const stackUs: number[] = [];
  for (let roundIndex = 0; roundIndex < settings.passes * settings.streamingRounds; roundIndex++) {
    rawUs.push(...(await pair.raw.run('stream', settings.streamingPerRound, 1)).samplesUs);
    stackUs.push(...(await pair.stack.run('stream', settings.streamingPerRound, 1)).samplesUs);
    onRound();
  }
  const raw = sorted(rawUs);
  const stack = sorted(stackUs);
  return {
    result: {
      rawTtftP50Us: round(percentile(raw, 50)),
      stackTtftP50Us: round(percentile(stack, 50)),
      addedTtftP50Us: round(percentile(stack, 50) - percentile(raw, 50)),
    },
    distribution: { rawUs, stackUs },
  };
}

/**
 * ADR-005's scenario: the provider takes 50 ms to answer and 45 ms to its first token. Raw and stack
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
