import { writeFileSync } from 'node:fs';
import { availableParallelism, cpus, totalmem } from 'node:os';
import { htmlReport } from './html-report.js';
import {
  type ClientProcess,
  cpuPlacement,
  runExtraScenario,
  startClientProcess,
  startServerProcess,
} from './processes.js';
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
  // The AI SDK comparison (`aiSdk`) takes minutes on 2 cores: full runs only.
  const extras = [
    'tool-selection',
    'cache',
    'memory',
    'parallel-tools',
    'batching',
    'executor',
    'mcp',
    'prompt-cache',
    ...(args.quick ? [] : ['ai-sdk']),
  ];
  const steps =
    3 +
    2 * settings.passes * settings.overheadRounds +
    settings.passes * settings.throughputRounds +
    2 * settings.passes * settings.streamingRounds +
    (args.quick ? 2 : 4) +
    extras.length;
  const progress = new Progress(steps);
  const server = await startServerProcess();
  const clients: ClientProcess[] = [];
  const start = async (kind: Parameters<typeof startClientProcess>[0]) => {
    const client = await startClientProcess(kind, server, 64);
    clients.push(client);
    return client;
  };
  try {
    const agentPair = { raw: await start('raw-agent'), stack: await start('agent') };
    const providerPair = { raw: await start('raw'), stack: await start('provider') };
    await warmUp(agentPair, settings);
    progress.step('warm-up (agent)');
    await warmUp(providerPair, settings);
    progress.step('warm-up (provider)');
    const before = await server.stats();
    const overheadResult = await overhead(agentPair, settings, () => progress.step('overhead'));
    const throughputResult = await throughput(agentPair, settings, () => progress.step('throughput'));
    const streamingResult = await streaming(agentPair, settings, () => progress.step('streaming'));
    const providerOverhead = await overhead(providerPair, settings, () => progress.step('provider overhead'));
    const providerStreaming = await streaming(providerPair, settings, () =>
      progress.step('provider streaming'),
    );
    const after = await server.stats();
    const expectedRequests =
      2 *
      (2 * settings.passes * settings.overheadRounds * settings.overheadPerRound +
        settings.passes * settings.throughputRounds * settings.throughputPerRound +
        2 * settings.passes * settings.streamingRounds * settings.streamingPerRound);
    if (after.requestCount - before.requestCount !== expectedRequests) {
      throw new Error(
        `the server counted ${after.requestCount - before.requestCount} requests, the clients made ${expectedRequests}`,
      );
    }
    progress.step('request count checked');
    const adr005Result = await adr005(agentPair, server, settings, () => progress.step("ADR-005's scenario"));
    const extraResults: Record<string, unknown> = {};
    for (const scenario of extras) {
      extraResults[scenario] = await runExtraScenario(scenario, server, args.quick);
      progress.step(scenario);
    }
    progress.finish();
    const report = {
      overhead: overheadResult.result,
      throughput: throughputResult,
      streaming: streamingResult.result,
      adr005: adr005Result,
      cache: extraResults.cache,
      memory: extraResults.memory,
      toolSelection: extraResults['tool-selection'],
      parallelTools: extraResults['parallel-tools'],
      batching: extraResults.batching,
      executor: extraResults.executor,
      aiSdk: extraResults['ai-sdk'],
      mcp: extraResults.mcp,
      promptCache: extraResults['prompt-cache'],
      provider: { overhead: providerOverhead.result, streaming: providerStreaming.result },
      stack:
        'overhead, throughput, streaming, adr005: an agent turn (55 tools, lexical selection on, safety + validation + audit middleware, cache off) vs raw undici sending the same bytes; provider: the OpenAI-compatible provider alone vs raw undici',
      mode: args.quick ? 'quick' : 'full',
      machine: {
        cpu: cpus()[0]?.model ?? 'unknown',
        cores: availableParallelism(),
        memoryGB: Math.round(totalmem() / 2 ** 30),
        node: process.version,
        platform: `${process.platform}-${process.arch}`,
        placement: cpuPlacement(),
        date: new Date().toISOString(),
      },
    };
    const distributions: Record<string, Distribution> = {
      'agent turn, non-streaming, concurrency 1': overheadResult.distribution,
      'agent turn, streaming, time to first token': streamingResult.distribution,
    };
    const html = htmlReport(report, distributions, [
      ['agent p50', overheadResult.result.p50Us],
      ['agent p99', overheadResult.result.p99Us],
      ['agent TTFT p50', streamingResult.result.addedTtftP50Us],
      ['provider p50', providerOverhead.result.p50Us],
      ['provider TTFT p50', providerStreaming.result.addedTtftP50Us],
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
    ['agent turn p50 (raw / stack)', `${o.rawP50Us} / ${o.stackP50Us} us`],
    ['added p50 / p99', `${o.p50Us} / ${o.p99Us} us`],
    ['throughput c=64 (raw / stack)', `${t.rawRps} / ${t.stackRps} req/s (${t.ratio}x)`],
    ['time to first token (raw / stack)', `${s.rawTtftP50Us} / ${s.stackTtftP50Us} us`],
    ['ADR-005: chat latency p50 / p95', `${a.chatLatencyP50Ms} / ${a.p95Ms} ms`],
    ['ADR-005: TTFT p50 / total p50', `${a.ttftP50Ms} / ${a.totalP50Ms} ms`],
    ['ADR-005: overhead', `${a.overheadPct} %`],
  ];
  const c = report.cache as {
    hitRate: number;
    oracleHitRate: number;
    staleReads: number;
    reportingShellHitRate: number;
    reportingShellStaleReads: number;
  };
  const m = report.memory as { idleHeapMB: number; peakHeapMB: number };
  const ts = report.toolSelection as Record<string, { p50Us: number; p99Us: number }>;
  const pt = report.parallelTools as { speedup: number };
  const b = report.batching as { requestsPer256: number; unbatchedRequestsPer256: number };
  const p = report.provider as {
    overhead: { p50Us: number; p99Us: number };
    streaming: { addedTtftP50Us: number };
  };
  rows.push(
    [
      'agent trace: cache hit rate (oracle) / stale reads',
      `${c.hitRate} (${c.oracleHitRate}) / ${c.staleReads}; shell reporting its changes: ${c.reportingShellHitRate} / ${c.reportingShellStaleReads}`,
    ],
    ['agent heap idle / peak', `${m.idleHeapMB} / ${m.peakHeapMB} MB`],
    ...Object.entries(ts).map(([count, value]): [string, string] => [
      `tool selection, ${count} tools p50 / p99`,
      `${value.p50Us} / ${value.p99Us} us`,
    ]),
    ['parallel tools speedup (8 x 20 ms)', `${pt.speedup}x`],
    ['HTTP requests per 256 embeddings', `${b.requestsPer256} (unbatched ${b.unbatchedRequestsPer256})`],
    [
      'executor: loop p99 with / without pool',
      `${(report.executor as { eventLoopP99MsWithPool: number }).eventLoopP99MsWithPool} / ${(report.executor as { eventLoopP99MsWithoutPool: number }).eventLoopP99MsWithoutPool} ms`,
    ],
    [
      'executor: cheap request slowdown',
      `${(report.executor as { cheapRequestSlowdown: number }).cheapRequestSlowdown}x`,
    ],
    [
      'MCP tool call, agent path / bare SDK client p50',
      `${(report.mcp as { callP50Us: number }).callP50Us} / ${(report.mcp as { rawCallP50Us: number }).rawCallP50Us} us (added ${(report.mcp as { addedP50Us: number }).addedP50Us} us)`,
    ],
    [
      'MCP: register 5,000 tools / search_tools p50',
      `${(report.mcp as { register5000Ms: number }).register5000Ms} ms / ${(report.mcp as { searchP50Us: number }).searchP50Us} us`,
    ],
    ['provider alone: added p50 / p99', `${p.overhead.p50Us} / ${p.overhead.p99Us} us`],
    ['provider alone: added TTFT p50', `${p.streaming.addedTtftP50Us} us`],
  );
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
