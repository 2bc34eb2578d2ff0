import { execFile } from 'node:child_process';
import { accessSync, constants, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { delimiter, join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, describe, expect, it } from 'vitest';
import { type ChartSpec, htmlReport } from './html-report.js';
import type { ClientFigures, GroupDistributions, GroupResult } from './rounds.js';

// Renders the HTML report of a small fixture run in headless Chromium (Debian's `chromium` package) and
// checks what the browser laid out: every chart an SVG with one drawn curve per client on shared axes, a
// table per scenario with the spread, the machine, date and command, and no JSON dump. Without Chromium
// the test is skipped with a message, unless VICTOR_REQUIRE_CHROMIUM=1 (CI), where it fails.

const run = promisify(execFile);

/** The Chromium binary: VICTOR_CHROMIUM, else the first of the usual names on PATH. */
function findChromium(): string | undefined {
  if (process.env.VICTOR_CHROMIUM) return process.env.VICTOR_CHROMIUM;
  for (const dir of (process.env.PATH ?? '').split(delimiter)) {
    for (const name of ['chromium', 'chromium-browser', 'google-chrome-stable', 'google-chrome']) {
      try {
        accessSync(join(dir, name), constants.X_OK);
        return join(dir, name);
      } catch {
        // not here
      }
    }
  }
  return undefined;
}

const chromium = findChromium();
const required = process.env.VICTOR_REQUIRE_CHROMIUM === '1';
if (!chromium && !required) {
  console.warn(
    'html-report.render.test: skipped, no chromium on PATH (apt-get install -y chromium; VICTOR_REQUIRE_CHROMIUM=1 makes this a failure)',
  );
}

interface Fixture {
  report: Record<string, unknown> & {
    peers: Record<string, ClientFigures>;
    frameworks: Record<string, ClientFigures | { skipped: string }>;
  };
  distributions: { peers: GroupDistributions; frameworks: GroupDistributions };
}

function fixture(): Fixture {
  return JSON.parse(readFileSync(new URL('./__fixtures__/report.json', import.meta.url), 'utf8')) as Fixture;
}

/** The fixture's report as main.ts writes it: the four charts under their tables. */
function fixtureHtml(mode: 'full' | 'quick'): string {
  const { report, distributions } = fixture();
  const group = (name: 'peers' | 'frameworks'): GroupResult => ({
    baseline: 'raw',
    clients: report[name] as Record<string, ClientFigures>,
    distributions: distributions[name],
    requests: 0,
  });
  const charts: ChartSpec[] = [
    {
      title: 'Clients: one chat call',
      unit: 'latency',
      group: group('peers'),
      key: 'chatUs',
      section: 'peers',
    },
    { title: 'Clients: streaming', unit: 'TTFT', group: group('peers'), key: 'ttftUs', section: 'peers' },
    {
      title: 'Agent turn',
      unit: 'latency',
      group: group('frameworks'),
      key: 'chatUs',
      section: 'frameworks',
    },
    {
      title: 'Agent turn, streaming',
      unit: 'TTFT',
      group: group('frameworks'),
      key: 'ttftUs',
      section: 'frameworks',
    },
  ];
  return htmlReport({ ...report, mode }, charts);
}

/**
 * Runs in the page after layout and writes what the browser drew into `<output id="probe">`: per chart its
 * box, and per curve its client, drawn length and horizontal extent (to compare curves on the same axes).
 */
const PROBE = `<script>
addEventListener('load', () => {
  const charts = [...document.querySelectorAll('figure')].map((figure) => {
    const svg = figure.querySelector('svg');
    const box = svg ? svg.getBoundingClientRect() : { width: 0, height: 0 };
    const curves = [...figure.querySelectorAll('polyline.cdf')].map((line) => {
      const rect = line.getBoundingClientRect();
      const points = line.points;
      const mid = points.length ? points.getItem(Math.floor(points.length / 2)).x : NaN;
      return {
        client: line.getAttribute('data-client'),
        length: line.getTotalLength(),
        left: rect.left - box.left,
        right: rect.right - box.left,
        midX: mid,
        stroke: getComputedStyle(line).stroke,
        sameSvg: line.ownerSVGElement === svg,
      };
    });
    return {
      caption: figure.querySelector('figcaption')?.textContent ?? '',
      width: box.width,
      height: box.height,
      legend: [...figure.querySelectorAll('text.legend')].map((text) => text.textContent),
      curves,
    };
  });
  const tables = [...document.querySelectorAll('table')].map((table) => ({
    heading: table.previousElementSibling?.textContent ?? '',
    rows: table.rows.length,
    text: table.innerText,
  }));
  const probe = document.createElement('output');
  probe.id = 'probe';
  probe.textContent = JSON.stringify({
    charts,
    tables,
    text: document.body.innerText,
    pre: document.querySelectorAll('pre').length,
    scripts: document.querySelectorAll('script').length,
  });
  document.body.append(probe);
});
</script>`;

interface Probe {
  charts: Array<{
    caption: string;
    width: number;
    height: number;
    legend: string[];
    curves: Array<{
      client: string;
      length: number;
      left: number;
      right: number;
      midX: number;
      stroke: string;
      sameSvg: boolean;
    }>;
  }>;
  tables: Array<{ heading: string; rows: number; text: string }>;
  text: string;
  pre: number;
  scripts: number;
}

const CHROMIUM_FLAGS = [
  '--headless',
  '--no-sandbox',
  '--disable-background-networking',
  '--disable-gpu',
  '--disable-dev-shm-usage',
  '--no-first-run',
  '--hide-scrollbars',
];

const dir = mkdtempSync(join(tmpdir(), 'victor-report-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** Renders `html` (with the probe script added) in Chromium and returns what the probe saw. */
async function renderInChromium(html: string, name: string): Promise<Probe> {
  const file = join(dir, `${name}.html`);
  writeFileSync(file, html.replace('</body>', `${PROBE}</body>`));
  const { stdout } = await run(
    chromium!,
    [...CHROMIUM_FLAGS, `--user-data-dir=${join(dir, `profile-${name}`)}`, '--dump-dom', `file://${file}`],
    { maxBuffer: 64 * 1024 * 1024, timeout: 60_000 },
  );
  const match = /<output id="probe">([\s\S]*?)<\/output>/.exec(stdout);
  if (!match) throw new Error(`chromium's DOM has no probe output: ${stdout.slice(0, 300)}`);
  const json = match[1]!.replace(/&(lt|gt|amp|quot|#39);/g, (_, entity: string) =>
    entity === 'lt' ? '<' : entity === 'gt' ? '>' : entity === 'amp' ? '&' : entity === 'quot' ? '"' : "'",
  );
  return JSON.parse(json) as Probe;
}

describe.skipIf(!chromium && !required)('HTML report in headless Chromium', () => {
  it('finds chromium (VICTOR_REQUIRE_CHROMIUM=1)', () => {
    expect(chromium, 'chromium is not installed: apt-get install -y chromium').toBeDefined();
  });

  it('draws each peer beside Victor on the same axes, a table per scenario with the spread, the machine, date and command', async () => {
    const probe = await renderInChromium(fixtureHtml('full'), 'full');
    const { report } = fixture();

    // Four charts, each an SVG the browser laid out, one curve per measured client, drawn.
    expect(probe.charts.map((chart) => chart.caption)).toEqual([
      'Clients: one chat call: latency distribution of each client (last pass)',
      'Clients: streaming: TTFT distribution of each client (last pass)',
      'Agent turn: latency distribution of each client (last pass)',
      'Agent turn, streaming: TTFT distribution of each client (last pass)',
    ]);
    const expectedClients = [
      ['raw', 'victor', 'openai', 'aiSdk', 'langchain'],
      ['raw', 'victor', 'openai', 'aiSdk', 'langchain'],
      ['raw', 'victorAgent', 'aiSdkAgent'],
      ['raw', 'victorAgent', 'aiSdkAgent'],
    ];
    probe.charts.forEach((chart, index) => {
      expect(chart.width).toBeGreaterThan(300);
      expect(chart.height).toBeGreaterThan(150);
      expect(chart.curves.map((curve) => curve.client)).toEqual(expectedClients[index]);
      expect(chart.legend).toHaveLength(expectedClients[index]!.length);
      for (const curve of chart.curves) {
        expect(curve.sameSvg).toBe(true);
        expect(curve.length).toBeGreaterThan(100);
        expect(curve.left).toBeGreaterThanOrEqual(0);
        expect(curve.right).toBeLessThanOrEqual(chart.width);
      }
      // Shared axes: the curves' middles are ordered as the clients' medians are.
      const byMedian = [...chart.curves].sort((a, b) => a.midX - b.midX).map((curve) => curve.client);
      const figures = (index < 2 ? report.peers : report.frameworks) as Record<string, ClientFigures>;
      const key = index % 2 === 0 ? 'p50Us' : 'ttftP50Us';
      const expectedOrder = expectedClients[index]!.slice().sort(
        (a, b) => figures[a]![key] - figures[b]![key],
      );
      expect(byMedian).toEqual(expectedOrder);
      // Victor in its own colour, every peer in another.
      const strokes = new Set(chart.curves.map((curve) => curve.stroke));
      expect(strokes.size).toBe(chart.curves.length);
    });

    // A table per group with the spread of the passes, and one per other scenario.
    const clients = probe.tables.find((table) => table.heading.startsWith('Clients'));
    expect(clients?.rows).toBe(6);
    expect(clients?.text).toMatch(/victor\s+\+8\.5 \(\+5\.5 \.\. \+12\.5\)/);
    const agents = probe.tables.find((table) => table.heading.startsWith('Agent turn'));
    expect(agents?.text).toMatch(/victorAgent\s+\+12 \(\+9 \.\. \+16\)/);
    for (const scenario of ['overhead', 'throughput', 'streaming', 'cache', 'memory', 'toolSelection']) {
      expect(probe.tables.some((table) => table.heading === scenario)).toBe(true);
    }
    expect(probe.text).toContain('openaiAgents: not measured');

    // The machine, the date and the command; no JSON dump and no script of its own.
    expect(probe.text).toContain('Fixture CPU @ 2.0GHz');
    expect(probe.text).toContain('2026-12-02T21:45:00.000Z');
    expect(probe.text).toContain('npm run bench -- --json report.json --html report.html');
    expect(probe.pre).toBe(0);
    expect(probe.text).not.toContain('"addedP50Us"');
    expect(probe.scripts).toBe(1); // the probe's
  }, 90_000);

  it('shows only ratios in quick mode, the charts relative to the raw client', async () => {
    const probe = await renderInChromium(fixtureHtml('quick'), 'quick');
    expect(probe.text).toContain('absolute times of quick mode are not results');
    expect(probe.text).not.toMatch(/µs|microseconds/);
    expect(probe.charts).toHaveLength(4);
    for (const chart of probe.charts) {
      expect(chart.curves.length).toBeGreaterThanOrEqual(3);
      for (const curve of chart.curves) expect(curve.length).toBeGreaterThan(100);
      for (const entry of chart.legend) expect(entry).toMatch(/p50 \d+\.\d\dx$/);
    }
    expect(probe.charts[0]!.legend[0]).toMatch(/^raw p50 1\.00x$/);
    const clients = probe.tables.find((table) => table.heading.startsWith('Clients'));
    expect(clients?.text).not.toContain('µs');
    expect(clients?.text).toMatch(/victor\s+1\.082/);
    const overhead = probe.tables.find((table) => table.heading === 'overhead')?.text;
    expect(overhead).toContain('p50Ratio');
    expect(overhead).not.toMatch(/rawP50Us|p50RangeUs/);
    expect(probe.tables.find((table) => table.heading === 'throughput')?.text).not.toMatch(/CpuUsPerRequest/);
  }, 90_000);
});
