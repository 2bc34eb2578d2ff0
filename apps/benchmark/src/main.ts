import { writeFileSync } from 'node:fs';
import { availableParallelism, cpus, loadavg, totalmem } from 'node:os';
import type { ClientKind } from './clients.js';
import { htmlReport } from './html-report.js';
import { OPENAI_AGENTS_SKIPPED } from './peer-clients.js';
import {
  type ClientProcess,
  cpuPlacement,
  runExtraScenario,
  startClientProcess,
  startServerProcess,
} from './processes.js';
import { Progress } from './progress.js';
import { type ClientFigures, measureGroup, warmUpClients } from './rounds.js';
import { adr005 } from './scenarios.js';
import { benchSettings } from './settings.js';
import { round } from './stats.js';

// For scripts/ttft-ab.mjs, which loads the built app: the measured agent's tools, turns and settings.
export {
  AGENT_K,
  AGENT_SYSTEM_PROMPT,
  agentEquivalentBodies,
  agentTurns,
  benchTools,
} from './agent-fixture.js';

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
    'gateway',
    ...(args.quick ? [] : ['ai-sdk']),
  ];
  // Peers (the openai SDK, the AI SDK, LangChain; the AI SDK with tools) are slow and take minutes on 2
  // cores: full runs only. Quick mode (CI) measures raw undici and Victor alone.
  const peerKinds: Array<[string, ClientKind]> = args.quick
    ? []
    : [
        ['openai', 'openai'],
        ['aiSdk', 'ai-sdk'],
        ['langchain', 'langchain'],
      ];
  const frameworkKinds: Array<[string, ClientKind]> = args.quick ? [] : [['aiSdkAgent', 'ai-sdk-agent']];
  const groupRounds =
    settings.passes * (settings.overheadRounds + settings.streamingRounds + settings.throughputRounds);
  const steps = 3 + 2 * groupRounds + (args.quick ? 2 : 4) + extras.length;
  const progress = new Progress(steps);
  if (args.quick)
    console.error(
      'quick mode: the peers (openai, aiSdk, langchain, aiSdkAgent) are skipped; run without --quick to measure them',
    );
  const server = await startServerProcess();
  const clients: ClientProcess[] = [];
  const start = async (kind: ClientKind) => {
    const client = await startClientProcess(kind, server, 64);
    clients.push(client);
    return client;
  };
  try {
    const frameworkClients: Record<string, ClientProcess> = {
      raw: await start('raw-agent'),
      victorAgent: await start('agent'),
    };
    for (const [name, kind] of frameworkKinds) frameworkClients[name] = await start(kind);
    const peerClients: Record<string, ClientProcess> = {
      raw: await start('raw'),
      victor: await start('provider'),
    };
    for (const [name, kind] of peerKinds) peerClients[name] = await start(kind);
    await warmUpClients(Object.values(frameworkClients), settings);
    progress.step('warm-up (agents)');
    await warmUpClients(Object.values(peerClients), settings);
    progress.step('warm-up (clients)');
    const before = await server.stats();
    const frameworks = await measureGroup(frameworkClients, 'raw', settings, (label) =>
      progress.step(`agents: ${label}`),
    );
    const peers = await measureGroup(peerClients, 'raw', settings, (label) =>
      progress.step(`clients: ${label}`),
    );
    const after = await server.stats();
    const expectedRequests = frameworks.requests + peers.requests;
    if (after.requestCount - before.requestCount !== expectedRequests) {
      throw new Error(
        `the server counted ${after.requestCount - before.requestCount} requests, the clients made ${expectedRequests}`,
      );
    }
    progress.step('request count checked');
    const agentPair = { raw: frameworkClients.raw!, stack: frameworkClients.victorAgent! };
    const adr005Result = await adr005(agentPair, server, settings, () =>
      progress.step('slow-provider scenario'),
    );
    const extraResults: Record<string, unknown> = {};
    for (const scenario of extras) {
      extraResults[scenario] = await runExtraScenario(scenario, server, args.quick);
      progress.step(scenario);
    }
    progress.finish();
    const agent = frameworks.clients.victorAgent!;
    const rawAgent = frameworks.clients.raw!;
    const provider = peers.clients.victor!;
    const rawProvider = peers.clients.raw!;
    const report = {
      peers: peers.clients,
      frameworks: {
        ...frameworks.clients,
        openaiAgents: { skipped: OPENAI_AGENTS_SKIPPED },
      },
      ...(args.quick
        ? {
            skipped:
              'quick mode: peers and frameworks other than raw and Victor are measured in full runs only',
          }
        : {}),
      overhead: {
        rawP50Us: rawAgent.p50Us,
        stackP50Us: agent.p50Us,
        p50Us: agent.addedP50Us,
        p50RangeUs: agent.addedP50RangeUs,
        p99Us: agent.addedP99Us,
        p99RangeUs: agent.addedP99RangeUs,
        p50Ratio: round(agent.p50Us / rawAgent.p50Us, 3),
        ...(agent.note ? { note: agent.note } : {}),
      },
      throughput: {
        rawRps: rawAgent.rps,
        stackRps: agent.rps,
        ratio: agent.ratio,
        rawCpuUsPerRequest: rawAgent.cpuUsPerRequest,
        stackCpuUsPerRequest: agent.cpuUsPerRequest,
        rounds: agent.roundRatios,
      },
      streaming: {
        rawTtftP50Us: rawAgent.ttftP50Us,
        stackTtftP50Us: agent.ttftP50Us,
        addedTtftP50Us: agent.addedTtftP50Us,
        addedTtftP50RangeUs: agent.addedTtftP50RangeUs,
        ttftP50Ratio: round(agent.ttftP50Us / rawAgent.ttftP50Us, 3),
      },
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
      gateway: extraResults.gateway,
      provider: {
        overhead: {
          p50Us: provider.addedP50Us,
          p99Us: provider.addedP99Us,
          p50Ratio: round(provider.p50Us / rawProvider.p50Us, 3),
        },
        streaming: {
          addedTtftP50Us: provider.addedTtftP50Us,
          ttftP50Ratio: round(provider.ttftP50Us / rawProvider.ttftP50Us, 3),
        },
        throughputRatio: provider.ratio,
      },
      stack:
        'frameworks (and overhead, throughput, streaming, adr005): an agent turn (55 tools, lexical selection on, safety + validation + audit middleware, cache off) vs raw undici sending the same bytes; aiSdkAgent: generateText/streamText with the same 55 tools (all sent every turn); peers (and provider): one chat call through each client vs raw undici sending the bare messages. Each client in its own process, interleaved rounds; added figures are medians over passes with the range of the passes; throughput ratios are total requests over total time',
      mode: args.quick ? 'quick' : 'full',
      machine: {
        cpu: cpus()[0]?.model ?? 'unknown',
        cores: availableParallelism(),
        memoryGB: Math.round(totalmem() / 2 ** 30),
        node: process.version,
        platform: `${process.platform}-${process.arch}`,
        placement: cpuPlacement(),
        loadAverage: loadavg().map((value) => round(value, 2)),
        date: new Date().toISOString(),
        command: `npm run bench --${args.quick ? ' --quick' : ''}${args.json ? ` --json ${args.json}` : ''}${args.html ? ` --html ${args.html}` : ''}`,
      },
    };
    const html = htmlReport(report, [
      {
        title: 'Clients: one chat call, concurrency 1',
        unit: 'latency',
        group: peers,
        key: 'chatUs',
        section: 'peers',
      },
      {
        title: 'Clients: streaming, time to first token',
        unit: 'TTFT',
        group: peers,
        key: 'ttftUs',
        section: 'peers',
      },
      {
        title: 'Agent turn (55 tools), concurrency 1',
        unit: 'latency',
        group: frameworks,
        key: 'chatUs',
        section: 'frameworks',
      },
      {
        title: 'Agent turn (55 tools), time to first token',
        unit: 'TTFT',
        group: frameworks,
        key: 'ttftUs',
        section: 'frameworks',
      },
    ]);
    return { report, html };
  } finally {
    for (const client of clients) await client.close();
    await server.close();
  }
}

/** A figure with the range of its passes, e.g. `+12.3 us (passes +10.1..+14.0)`. */
function withRange(value: number, range: [number, number], passes: boolean): string {
  const signed = (v: number) => `${v >= 0 ? '+' : ''}${v}`;
  return passes ? `${signed(value)} us (${signed(range[0])}..${signed(range[1])})` : `${signed(value)} us`;
}

/** The side-by-side table of a group of clients: figures of full runs, ratios only in quick runs. */
function printGroup(title: string, group: Record<string, unknown>, quick: boolean): void {
  const rows: string[][] = [
    quick
      ? ['client', 'p50 ratio to raw', 'TTFT p50 ratio', 'throughput ratio (rounds)']
      : [
          'client',
          'added p50 (passes)',
          'added p99 (passes)',
          'throughput c=64, totals (rounds)',
          'CPU us/req',
          'added TTFT p50 (passes)',
        ],
  ];
  const notes: string[] = [];
  const raw = group.raw as ClientFigures;
  for (const [name, value] of Object.entries(group)) {
    const figures = value as ClientFigures & { skipped?: string };
    if (figures.skipped) {
      notes.push(`${name}: skipped (${figures.skipped})`);
      continue;
    }
    const throughputCell = `${figures.ratio}x (${figures.roundRatios.join(' ')})`;
    if (quick)
      rows.push([
        name,
        `${round(figures.p50Us / raw.p50Us, 3)}x`,
        `${round(figures.ttftP50Us / raw.ttftP50Us, 3)}x`,
        throughputCell,
      ]);
    else
      rows.push([
        name,
        name === 'raw'
          ? `p50 ${figures.p50Us} us`
          : withRange(figures.addedP50Us, figures.addedP50RangeUs, true),
        name === 'raw'
          ? `p99 ${figures.p99Us} us`
          : withRange(figures.addedP99Us, figures.addedP99RangeUs, true),
        throughputCell,
        String(figures.cpuUsPerRequest),
        name === 'raw'
          ? `TTFT ${figures.ttftP50Us} us`
          : withRange(figures.addedTtftP50Us, figures.addedTtftP50RangeUs, true),
      ]);
    if (figures.note) notes.push(`${name}: ${figures.note}`);
  }
  const widths = rows[0]!.map((_, column) => Math.max(...rows.map((row) => row[column]!.length)));
  console.log(`\n${title}`);
  for (const row of rows) console.log(row.map((cell, column) => cell.padEnd(widths[column]!)).join('  '));
  for (const note of notes) console.log(`  note: ${note}`);
}

/** The run's date, machine and command, printed above the figures. */
export function runLine(report: Record<string, unknown>): string {
  const m = (report.machine ?? {}) as Record<string, unknown>;
  const load = Array.isArray(m.loadAverage) ? m.loadAverage.join(' ') : '?';
  return `${report.mode === 'quick' ? 'quick' : 'full'} run of ${m.date}: ${m.cpu}, ${m.cores} cores, ${m.memoryGB} GB, Node ${m.node} (${m.platform}), load average ${load}, placement ${m.placement}; command: ${m.command}`;
}

function printTable(report: Record<string, unknown>): void {
  const quick = report.mode === 'quick';
  console.log(runLine(report));
  if (quick)
    console.log(
      'quick mode (CI): compared with the baseline through ratios only; its absolute times are not results (run full mode for figures)',
    );
  printGroup(
    'Clients (one chat call) vs raw undici, in the same rounds',
    report.peers as Record<string, unknown>,
    quick,
  );
  printGroup(
    'Agent turn (55 tools) vs raw undici sending the same bytes, in the same rounds',
    report.frameworks as Record<string, unknown>,
    quick,
  );
  console.log('');
  const a = report.adr005 as {
    chatLatencyP50Ms: number;
    ttftP50Ms: number;
    totalP50Ms: number;
    p95Ms: number;
    overheadPct: number;
  };
  const rows: Array<[string, string, boolean?]> = [
    ['slow provider: chat latency p50 / p95', `${a.chatLatencyP50Ms} / ${a.p95Ms} ms`, true],
    ['slow provider: TTFT p50 / total p50', `${a.ttftP50Ms} / ${a.totalP50Ms} ms`, true],
    ['slow provider: overhead', `${a.overheadPct} %`],
  ];
  const c = report.cache as {
    hitRate: number;
    oracleHitRate: number;
    staleReads: number;
    reportingShellHitRate: number;
    reportingShellStaleReads: number;
  };
  const m = report.memory as { idleHeapMB: number; peakHeapMB: number };
  const ts = report.toolSelection as Record<
    string,
    { p50Us: number; p99Us: number; recallAt5?: number; skipped?: string }
  >;
  const pt = report.parallelTools as { speedup: number };
  const b = report.batching as { requestsPer256: number; unbatchedRequestsPer256: number };
  rows.push(
    [
      'agent trace: cache hit rate (oracle) / stale reads',
      `${c.hitRate} (${c.oracleHitRate}) / ${c.staleReads}; shell reporting its changes: ${c.reportingShellHitRate} / ${c.reportingShellStaleReads}`,
    ],
    ['agent heap idle / peak', `${m.idleHeapMB} / ${m.peakHeapMB} MB`],
    ...Object.entries(ts).map(([count, value]): [string, string, boolean] =>
      value.skipped !== undefined
        ? [`tool selection, ${count}`, `skipped: ${value.skipped}`, false]
        : [
            `tool selection, ${count === 'seal' ? 'Seal-Tools pool (4,075 real tools)' : `${count} tools`} p50 / p99`,
            `${value.p50Us} / ${value.p99Us} us${value.recallAt5 !== undefined ? `, recall@5 ${value.recallAt5}` : ''}`,
            true,
          ],
    ),
    ['parallel tools speedup (8 x 20 ms)', `${pt.speedup}x`],
    ['HTTP requests per 256 embeddings', `${b.requestsPer256} (unbatched ${b.unbatchedRequestsPer256})`],
    [
      'executor: loop p99 with / without pool',
      `${(report.executor as { eventLoopP99MsWithPool: number }).eventLoopP99MsWithPool} / ${(report.executor as { eventLoopP99MsWithoutPool: number }).eventLoopP99MsWithoutPool} ms`,
      true,
    ],
    [
      'executor: cheap request slowdown',
      `${(report.executor as { cheapRequestSlowdown: number }).cheapRequestSlowdown}x`,
    ],
    [
      'MCP tool call, agent path / bare SDK client p50',
      `${(report.mcp as { callP50Us: number }).callP50Us} / ${(report.mcp as { rawCallP50Us: number }).rawCallP50Us} us (added ${(report.mcp as { addedP50Us: number }).addedP50Us} us)`,
      true,
    ],
    [
      'MCP: register 5,000 tools / search_tools p50',
      `${(report.mcp as { register5000Ms: number }).register5000Ms} ms / ${(report.mcp as { searchP50Us: number }).searchP50Us} us`,
      true,
    ],
  );
  const g = report.gateway as
    | Record<'victor' | 'portkey', Record<string, { addedP50Us?: number; ratio?: number; skipped?: string }>>
    | undefined;
  if (g) {
    const ratio = (value: { ratio?: number; skipped?: string } | undefined) =>
      value?.skipped !== undefined ? 'failed' : `${value?.ratio}x`;
    const added = (value: { addedP50Us?: number; skipped?: string } | undefined) =>
      value?.skipped !== undefined ? 'failed' : `+${value?.addedP50Us} us`;
    rows.push(
      [
        'gateway c=64 ratio to direct: victor plain / stream, Portkey plain / stream',
        `${ratio(g.victor.plain)} / ${ratio(g.victor.stream)}, ${ratio(g.portkey.plain)} / ${ratio(g.portkey.stream)}`,
      ],
      [
        'gateway added p50: victor plain / stream, Portkey plain / stream',
        `${added(g.victor.plain)} / ${added(g.victor.stream)}, ${added(g.portkey.plain)} / ${added(g.portkey.stream)}`,
        true,
      ],
    );
  }
  // Quick mode: rows that are absolute times are left out (they are not results there).
  const shown = rows.filter(([, , isTime]) => !(quick && isTime));
  const width = Math.max(...shown.map(([label]) => label.length));
  for (const [label, value] of shown) console.log(`${label.padEnd(width)}  ${value}`);
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
