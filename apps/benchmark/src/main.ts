import { writeFileSync } from 'node:fs';
import { availableParallelism, cpus, totalmem } from 'node:os';
import { htmlReport } from './html-report.js';
import { type ClientProcess, startClientProcess, startServerProcess } from './processes.js';
import { Progress } from './progress.js';
import { adr005, type Distribution, overhead, streaming, throughput, warmUp } from './scenarios.js';
import { benchSettings } from './settings.js';

interface Arguments {
  quick: boolean;
  json?: string;
  html?: string;
}

function parseArguments(argv: string[]): Arguments {
  const args: Arguments = { quick: false };
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i];
    if (arg === '--quick') args.quick = true;
    else if (arg === '--json' || arg === '--html') {
      const value = argv[++i];
      if (!value || value.startsWith('--')) throw new Error(`${arg} needs a file name`);
      args[arg === '--json' ? 'json' : 'html'] = value;
    } else if (arg === '--help') {
      console.log('usage: npm run bench -- [--quick] [--json FILE] [--html FILE]');
      process.exit(0);
    } else throw new Error(`unknown argument ${JSON.stringify(arg)}; try --help`);
  }
  return args;
}

/** Runs every scenario and returns the report (one key per scenario, plus the machine). */
export async function runBenchmark(
  args: Arguments,
): Promise<{ report: Record<string, unknown>; html: string }> {
  const settings = benchSettings(args.quick);
  const steps =
    2 +
    settings.passes * settings.overheadRounds +
    settings.passes * settings.throughputRounds +
    settings.passes * settings.streamingRounds +
    2;
  const progress = new Progress(steps);
  const server = await startServerProcess();
  const clients: ClientProcess[] = [];
  try {
    const raw = await startClientProcess('raw', server, 64);
    clients.push(raw);
    const stack = await startClientProcess('provider', server, 64);
    clients.push(stack);
    const pair = { raw, stack };
    await warmUp(pair, settings);
    progress.step('warm-up');
    const before = await server.stats();
    const overheadResult = await overhead(pair, settings, () => progress.step('overhead'));
    const throughputResult = await throughput(pair, settings, () => progress.step('throughput'));
    const streamingResult = await streaming(pair, settings, () => progress.step('streaming'));
    const after = await server.stats();
    const expectedRequests =
      2 *
      (settings.passes * settings.overheadRounds * settings.overheadPerRound +
        settings.passes * settings.throughputRounds * settings.throughputPerRound +
        settings.passes * settings.streamingRounds * settings.streamingPerRound);
    if (after.requestCount - before.requestCount !== expectedRequests) {
      throw new Error(
        `the server counted ${after.requestCount - before.requestCount} requests, the clients made ${expectedRequests}`,
      );
    }
    progress.step('request count checked');
    const adr005Result = await adr005(pair, server, settings, () => progress.step("ADR-005's scenario"));
    progress.finish();
    const report = {
      overhead: overheadResult.result,
      throughput: throughputResult,
      streaming: streamingResult.result,
      adr005: adr005Result,
      stack: 'provider-pool OpenAICompatibleProvider (agent turn: not built yet)',
      mode: args.quick ? 'quick' : 'full',
      machine: {
        cpu: cpus()[0]?.model ?? 'unknown',
        cores: availableParallelism(),
        memoryGB: Math.round(totalmem() / 2 ** 30),
        node: process.version,
        platform: `${process.platform}-${process.arch}`,
        date: new Date().toISOString(),
      },
    };
    const distributions: Record<string, Distribution> = {
      'non-streaming, concurrency 1': overheadResult.distribution,
      'streaming, time to first token': streamingResult.distribution,
    };
    const html = htmlReport(report, distributions, [
      ['p50', overheadResult.result.p50Us],
      ['p99', overheadResult.result.p99Us],
      ['time to first token', streamingResult.result.addedTtftP50Us],
    ]);
    return { report, html };
  } finally {
    for (const client of clients) await client.close();
    await server.close();
  }
}

function printTable(report: Record<string, unknown>): void {
  const o = report.overhead as { rawP50Us: number; stackP50Us: number; p50Us: number; p99Us: number };
  const t = report.throughput as { rawRps: number; stackRps: number; ratio: number };
  const s = report.streaming as { rawTtftP50Us: number; stackTtftP50Us: number };
  const a = report.adr005 as {
    chatLatencyP50Ms: number;
    ttftP50Ms: number;
    totalP50Ms: number;
    p95Ms: number;
    overheadPct: number;
  };
  const rows: Array<[string, string]> = [
    ['non-streaming p50 (raw / stack)', `${o.rawP50Us} / ${o.stackP50Us} us`],
    ['added p50 / p99', `${o.p50Us} / ${o.p99Us} us`],
    ['throughput c=64 (raw / stack)', `${t.rawRps} / ${t.stackRps} req/s (${t.ratio}x)`],
    ['time to first token (raw / stack)', `${s.rawTtftP50Us} / ${s.stackTtftP50Us} us`],
    ['ADR-005: chat latency p50 / p95', `${a.chatLatencyP50Ms} / ${a.p95Ms} ms`],
    ['ADR-005: TTFT p50 / total p50', `${a.ttftP50Ms} / ${a.totalP50Ms} ms`],
    ['ADR-005: overhead', `${a.overheadPct} %`],
  ];
  const width = Math.max(...rows.map(([label]) => label.length));
  for (const [label, value] of rows) console.log(`${label.padEnd(width)}  ${value}`);
}

const invokedDirectly = process.argv[1] && import.meta.url.endsWith(process.argv[1].split('/').pop() ?? '');
if (invokedDirectly) {
  try {
    const args = parseArguments(process.argv.slice(2));
    const { report, html } = await runBenchmark(args);
    printTable(report);
    if (args.json) writeFileSync(args.json, `${JSON.stringify(report, null, 2)}\n`);
    if (args.html) writeFileSync(args.html, html);
  } catch (error) {
    console.error(`benchmark failed: ${error instanceof Error ? error.message : String(error)}`);
    process.exitCode = 1;
  }
}
