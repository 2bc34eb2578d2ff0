import type { ClientProcess } from './processes.js';
import type { BenchSettings } from './settings.js';
import { median, percentile, round, sorted } from './stats.js';

/** A median over passes with its spread: the smallest and largest pass. */
export interface Spread {
  median: number;
  min: number;
  max: number;
}

/** One client's figures in a group, each "added" one over the group's baseline measured in the same rounds. */
export interface ClientFigures {
  p50Us: number;
  p99Us: number;
  ttftP50Us: number;
  /** Client p50 minus baseline p50, median over passes. */
  addedP50Us: number;
  addedP50RangeUs: [number, number];
  addedP99Us: number;
  addedP99RangeUs: [number, number];
  addedTtftP50Us: number;
  addedTtftP50RangeUs: [number, number];
  /** Requests per second at concurrency 64: total requests over total time, all rounds of all passes. */
  rps: number;
  /** `rps` over the baseline's `rps` (totals, not a median of rounds). */
  ratio: number;
  /** The same ratio in each round, for the spread. */
  roundRatios: number[];
  /** Client process CPU time per request at concurrency 64 (total CPU over total requests). */
  cpuUsPerRequest: number;
  /** Set when an added figure is negative: it is then inside the noise, not a result. */
  note?: string;
}

/** Latency samples of a group's last pass, per client, for the report's charts. */
export interface GroupDistributions {
  chatUs: Record<string, number[]>;
  ttftUs: Record<string, number[]>;
}

/** What a group of clients measured in the same interleaved rounds. */
export interface GroupResult {
  baseline: string;
  clients: Record<string, ClientFigures>;
  distributions: GroupDistributions;
  /** HTTP requests the measured rounds made (warm-up excluded), to check against the server's count. */
  requests: number;
}

/** The order of the clients in round `index`: rotated, so no client always runs first or last. */
function rotation<T>(items: readonly T[], index: number): T[] {
  const shift = index % items.length;
  return [...items.slice(shift), ...items.slice(0, shift)];
}

/**
 * Warms every client up, interleaved, until each has made at least `warmupCalls` calls and spent at least
 * `warmupMinMs` milliseconds on them (non-streaming at concurrency 1 and 16, and streaming).
 */
export async function warmUpClients(
  clients: readonly ClientProcess[],
  settings: BenchSettings,
): Promise<void> {
  const calls = new Map<ClientProcess, number>(clients.map((client) => [client, 0]));
  const spentMs = new Map<ClientProcess, number>(clients.map((client) => [client, 0]));
  const done = (client: ClientProcess) =>
    calls.get(client)! >= settings.warmupCalls && spentMs.get(client)! >= settings.warmupMinMs;
  while (!clients.every(done)) {
    for (const client of clients) {
      if (done(client)) continue;
      const started = performance.now();
      await client.run('chat', 100, 1);
      await client.run('stream', 100, 1);
      await client.run('chat', 200, 16);
      spentMs.set(client, spentMs.get(client)! + performance.now() - started);
      calls.set(client, calls.get(client)! + 400);
    }
  }
}

function spreadOf(values: number[]): Spread {
  return { median: median(values), min: Math.min(...values), max: Math.max(...values) };
}

/**
 * Measures a group of clients (each in its own process) in the same interleaved rounds: latency and time to
 * first token at concurrency 1, throughput at concurrency 64, `settings.passes` times. Every figure is
 * per client; "added" ones are over `baseline`, pass by pass, reported as the median over passes with the
 * range of the passes.
 */
export async function measureGroup(
  clients: Record<string, ClientProcess>,
  baseline: string,
  settings: BenchSettings,
  onRound: (label: string) => void,
): Promise<GroupResult> {
  const names = Object.keys(clients);
  if (!names.includes(baseline))
    throw new Error(`the baseline ${baseline} is not one of ${names.join(', ')}`);
  const p50 = new Map<string, number[]>(names.map((name) => [name, []]));
  const p99 = new Map<string, number[]>(names.map((name) => [name, []]));
  const ttft = new Map<string, number[]>(names.map((name) => [name, []]));
  const totals = new Map(names.map((name) => [name, { requests: 0, elapsedMs: 0, cpuUs: 0 }]));
  const roundRps = new Map<string, number[]>(names.map((name) => [name, []]));
  const distributions: GroupDistributions = { chatUs: {}, ttftUs: {} };
  let requests = 0;
  let roundIndex = 0;
  for (let pass = 0; pass < settings.passes; pass++) {
    const chat = new Map<string, number[]>(names.map((name) => [name, []]));
    const stream = new Map<string, number[]>(names.map((name) => [name, []]));
    for (let r = 0; r < settings.overheadRounds; r++) {
      for (const name of rotation(names, roundIndex++)) {
        chat.get(name)!.push(...(await clients[name]!.run('chat', settings.overheadPerRound, 1)).samplesUs);
        requests += settings.overheadPerRound;
      }
      onRound('latency');
    }
    for (let r = 0; r < settings.streamingRounds; r++) {
      for (const name of rotation(names, roundIndex++)) {
        stream
          .get(name)!
          .push(...(await clients[name]!.run('stream', settings.streamingPerRound, 1)).samplesUs);
        requests += settings.streamingPerRound;
      }
      onRound('streaming');
    }
    for (let r = 0; r < settings.throughputRounds; r++) {
      for (const name of rotation(names, roundIndex++)) {
        const result = await clients[name]!.run('chat', settings.throughputPerRound, 64);
        const total = totals.get(name)!;
        total.requests += settings.throughputPerRound;
        total.elapsedMs += result.elapsedMs;
        total.cpuUs += result.cpuUs;
        roundRps.get(name)!.push(settings.throughputPerRound / (result.elapsedMs / 1000));
        requests += settings.throughputPerRound;
      }
      onRound('throughput');
    }
    for (const name of names) {
      const chatSorted = sorted(chat.get(name)!);
      p50.get(name)!.push(percentile(chatSorted, 50));
      p99.get(name)!.push(percentile(chatSorted, 99));
      ttft.get(name)!.push(percentile(sorted(stream.get(name)!), 50));
      distributions.chatUs[name] = chat.get(name)!;
      distributions.ttftUs[name] = stream.get(name)!;
    }
  }
  const rpsOf = (name: string) => {
    const total = totals.get(name)!;
    return total.requests / (total.elapsedMs / 1000);
  };
  const baseRps = rpsOf(baseline);
  const added = (values: Map<string, number[]>, name: string) =>
    spreadOf(values.get(name)!.map((value, pass) => value - values.get(baseline)![pass]!));
  const result: Record<string, ClientFigures> = {};
  for (const name of names) {
    const addedP50 = added(p50, name);
    const addedP99 = added(p99, name);
    const addedTtft = added(ttft, name);
    const total = totals.get(name)!;
    const figures: ClientFigures = {
      p50Us: round(median(p50.get(name)!)),
      p99Us: round(median(p99.get(name)!)),
      ttftP50Us: round(median(ttft.get(name)!)),
      addedP50Us: round(addedP50.median),
      addedP50RangeUs: [round(addedP50.min), round(addedP50.max)],
      addedP99Us: round(addedP99.median),
      addedP99RangeUs: [round(addedP99.min), round(addedP99.max)],
      addedTtftP50Us: round(addedTtft.median),
      addedTtftP50RangeUs: [round(addedTtft.min), round(addedTtft.max)],
      rps: Math.round(rpsOf(name)),
      ratio: round(rpsOf(name) / baseRps, 3),
      roundRatios: roundRps.get(name)!.map((rps, index) => round(rps / roundRps.get(baseline)![index]!, 3)),
      cpuUsPerRequest: round(total.cpuUs / total.requests),
    };
    const negative = (
      [
        ['added p50', addedP50],
        ['added p99', addedP99],
        ['added TTFT p50', addedTtft],
      ] as const
    )
      .filter(([, spread]) => name !== baseline && spread.median < 0)
      .map(
        ([label, spread]) =>
          `${label} ${round(spread.median)} us (passes ${round(spread.min)}..${round(spread.max)})`,
      );
    if (negative.length > 0)
      figures.note = `negative, so inside the noise of this run, not a saving: ${negative.join('; ')}`;
    result[name] = figures;
  }
  return { baseline, clients: result, distributions, requests };
}
