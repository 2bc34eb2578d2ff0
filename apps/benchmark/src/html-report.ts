import type { ClientFigures, GroupResult } from './rounds.js';
import { percentile, sorted } from './stats.js';

/** One CDF chart of the report: every client of a group on the same axes. */
export interface ChartSpec {
  title: string;
  /** What is measured, for the axis: `latency` or `TTFT`. */
  unit: string;
  group: GroupResult;
  key: 'chatUs' | 'ttftUs';
  /** The table the chart is drawn under (`peers` or `frameworks`); charts without one come after both. */
  section?: 'peers' | 'frameworks';
}

const COLORS: Record<string, string> = {
  raw: '#7f8c8d',
  victor: '#c0392b',
  victorAgent: '#c0392b',
  openai: '#2980b9',
  aiSdk: '#27ae60',
  aiSdkAgent: '#27ae60',
  langchain: '#8e44ad',
};
const FALLBACK_COLORS = ['#d35400', '#16a085', '#2c3e50', '#f39c12'];

function escapeHtml(text: string): string {
  return text.replace(/[&<>"]/g, (char) => `&#${char.charCodeAt(0)};`);
}

function colorOf(name: string, index: number): string {
  return COLORS[name] ?? FALLBACK_COLORS[index % FALLBACK_COLORS.length]!;
}

/**
 * An SVG chart of every client's distribution as a cumulative curve on shared axes (log x: microseconds;
 * with `relative`, multiples of the baseline's median, for quick mode where absolute times are no result).
 */
function cdfChart(spec: ChartSpec, relative: boolean): string {
  const width = 720;
  const height = 320;
  const pad = 52;
  const series = Object.entries(spec.group.distributions[spec.key]).filter(
    ([, samples]) => samples.length > 0,
  );
  let sortedSeries = series.map(([name, samples]) => [name, sorted(samples)] as const);
  const baseline = sortedSeries.find(([name]) => name === spec.group.baseline)?.[1];
  const divisor = relative && baseline ? percentile(baseline, 50) : 1;
  if (divisor !== 1)
    sortedSeries = sortedSeries.map(([name, s]) => [name, s.map((v) => v / divisor)] as const);
  const minX = Math.max(
    relative ? 0.01 : 1,
    Math.min(...sortedSeries.map(([, s]) => percentile(s, 0.1))) * 0.9,
  );
  const maxX = Math.max(...sortedSeries.map(([, s]) => percentile(s, 99))) * 1.1 || 2;
  // A log axis: the peers are 5-10x the raw client, a linear axis would squash Victor onto raw.
  const logMin = Math.log10(minX);
  const logMax = Math.log10(Math.max(maxX, minX * 2));
  const xOf = (value: number) =>
    pad +
    ((Math.log10(Math.min(Math.max(value, minX), maxX)) - logMin) / (logMax - logMin)) * (width - 2 * pad);
  const lines = sortedSeries
    .map(([name, samples], index) => {
      const points: string[] = [];
      for (let i = 0; i <= 100; i++) {
        const share = i / 100;
        const value = percentile(samples, share * 99.9 || 0.1);
        points.push(`${xOf(value).toFixed(1)},${(height - pad - share * (height - 2 * pad)).toFixed(1)}`);
      }
      return `<polyline class="cdf" data-client="${escapeHtml(name)}" fill="none" stroke="${colorOf(name, index)}" stroke-width="2" points="${points.join(' ')}"/>`;
    })
    .join('\n');
  // The legend names each curve with its median, so the chart reads without the table.
  const legend = sortedSeries
    .map(
      ([name, samples], index) =>
        `<text class="legend" x="${pad + 8}" y="${pad + 14 + index * 16}" font-size="12" fill="${colorOf(name, index)}">${escapeHtml(name)} <tspan fill="#555">p50 ${relative ? `${percentile(samples, 50).toFixed(2)}x` : `${Math.round(percentile(samples, 50))} µs`}</tspan></text>`,
    )
    .join('');
  const half = height - pad - (0.5 / 0.999) * (height - 2 * pad);
  const ticks: number[] = [];
  for (let exponent = Math.floor(logMin); exponent <= Math.ceil(logMax); exponent++)
    for (const factor of [1, 2, 5]) {
      const value = factor * 10 ** exponent;
      if (value >= minX && value <= maxX) ticks.push(value);
    }
  const tickMarks = ticks
    .map((value) => {
      const x = xOf(value);
      return `<line x1="${x.toFixed(1)}" y1="${height - pad}" x2="${x.toFixed(1)}" y2="${pad}" stroke="#eee"/><text x="${x.toFixed(1)}" y="${height - pad + 16}" font-size="11" text-anchor="middle">${value}</text>`;
    })
    .join('');
  const shares = [0, 0.5, 0.99]
    .map((share) => {
      const y = height - pad - (share / 0.999) * (height - 2 * pad);
      return `<text x="${pad - 6}" y="${y.toFixed(1)}" font-size="11" text-anchor="end">${share}</text>`;
    })
    .join('');
  const title = `${spec.title}: ${spec.unit} distribution of each client (last pass)`;
  return `<figure><figcaption>${escapeHtml(title)}</figcaption>
<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" role="img" aria-label="${escapeHtml(title)}">
<rect width="100%" height="100%" fill="#fff"/>${tickMarks}${shares}
<line x1="${pad}" y1="${half.toFixed(1)}" x2="${width - pad}" y2="${half.toFixed(1)}" stroke="#bbb" stroke-dasharray="4 4"/>
<line x1="${pad}" y1="${height - pad}" x2="${width - pad}" y2="${height - pad}" stroke="#333"/>
<line x1="${pad}" y1="${height - pad}" x2="${pad}" y2="${pad}" stroke="#333"/>
<text x="${width / 2}" y="${height - 10}" font-size="12" text-anchor="middle">${relative ? `multiple of ${escapeHtml(spec.group.baseline)}'s median (log scale)` : 'microseconds (log scale)'}</text>
<text x="14" y="${height / 2}" font-size="12" transform="rotate(-90 14 ${height / 2})" text-anchor="middle">share of requests</text>
${lines}
${legend}
</svg></figure>`;
}

function signed(value: number): string {
  return `${value >= 0 ? '+' : ''}${value}`;
}

function rangeCell(value: number, range: [number, number]): string {
  return `${signed(value)} <small>(${signed(range[0])} .. ${signed(range[1])})</small>`;
}

/** A table of a group's clients: each added figure with the range of the passes, throughput with its rounds. */
function groupTable(title: string, clients: Record<string, unknown>, quick: boolean): string {
  const head = quick
    ? '<tr><th>client</th><th>p50 ratio to raw</th><th>TTFT p50 ratio</th><th>throughput ratio, totals</th><th>per round</th></tr>'
    : '<tr><th>client</th><th>added p50 µs (passes)</th><th>added p99 µs (passes)</th><th>throughput ratio, totals</th><th>per round</th><th>CPU µs/request</th><th>added TTFT p50 µs (passes)</th></tr>';
  const raw = clients.raw as ClientFigures;
  const notes: string[] = [];
  const rows = Object.entries(clients)
    .map(([name, value]) => {
      const figures = value as ClientFigures & { skipped?: string };
      if (figures.skipped) {
        notes.push(`${name}: not measured: ${figures.skipped}`);
        return '';
      }
      if (figures.note) notes.push(`${name}: ${figures.note}`);
      const rounds = `<small>${figures.roundRatios.join(' ')}</small>`;
      if (quick)
        return `<tr><td>${escapeHtml(name)}</td><td>${(figures.p50Us / raw.p50Us).toFixed(3)}</td><td>${(figures.ttftP50Us / raw.ttftP50Us).toFixed(3)}</td><td>${figures.ratio}x</td><td>${rounds}</td></tr>`;
      const base = name === 'raw';
      return `<tr><td>${escapeHtml(name)}</td><td>${base ? `p50 ${figures.p50Us}` : rangeCell(figures.addedP50Us, figures.addedP50RangeUs)}</td><td>${base ? `p99 ${figures.p99Us}` : rangeCell(figures.addedP99Us, figures.addedP99RangeUs)}</td><td>${figures.ratio}x</td><td>${rounds}</td><td>${figures.cpuUsPerRequest}</td><td>${base ? `TTFT ${figures.ttftP50Us}` : rangeCell(figures.addedTtftP50Us, figures.addedTtftP50RangeUs)}</td></tr>`;
    })
    .join('\n');
  const noteList = notes.length
    ? `<ul class="notes">${notes.map((note) => `<li>${escapeHtml(note)}</li>`).join('')}</ul>`
    : '';
  return `<h2>${escapeHtml(title)}</h2><table>${head}\n${rows}</table>${noteList}`;
}

/** Keys of absolute times: `p50Us`, `addedP50RangeUs`, `cpuUsPerRequest`, `eventLoopP99MsWithPool`. */
const ABSOLUTE_TIME = /(Us|Ms)([A-Z][a-z]+)*$/;

/** A two-column table of a scenario's numeric figures (one level of nesting flattened). */
function scenarioTable(name: string, value: unknown, quick: boolean): string {
  if (!value || typeof value !== 'object') return '';
  const rows: string[] = [];
  const add = (key: string, item: unknown) => {
    if (typeof item === 'number' || typeof item === 'string') {
      // Quick mode: absolute times are not results.
      if (quick && typeof item === 'number' && ABSOLUTE_TIME.test(key)) return;
      rows.push(`<tr><td>${escapeHtml(key)}</td><td>${escapeHtml(String(item))}</td></tr>`);
    } else if (Array.isArray(item) && item.every((entry) => typeof entry === 'number')) {
      if (quick && ABSOLUTE_TIME.test(key)) return;
      rows.push(`<tr><td>${escapeHtml(key)}</td><td>${escapeHtml(item.join(' '))}</td></tr>`);
    }
  };
  for (const [key, item] of Object.entries(value)) {
    if (item && typeof item === 'object' && !Array.isArray(item))
      for (const [inner, innerItem] of Object.entries(item)) add(`${key}.${inner}`, innerItem);
    else add(key, item);
  }
  if (rows.length === 0) return '';
  return `<h3>${escapeHtml(name)}</h3><table class="kv">${rows.join('\n')}</table>`;
}

/**
 * A self-contained HTML report (inline SVG, no network) of a benchmark run: the machine, date and command,
 * a table per group of clients with the spread of the passes, each client's CDF on the same axes, and a
 * table per other scenario.
 */
export function htmlReport(report: Record<string, unknown>, charts: ChartSpec[]): string {
  const quick = report.mode === 'quick';
  const machine = (report.machine ?? {}) as Record<string, unknown>;
  const machineRows = Object.entries(machine)
    .map(([key, value]) => `<tr><td>${escapeHtml(key)}</td><td>${escapeHtml(String(value))}</td></tr>`)
    .join('');
  const skip = new Set(['peers', 'frameworks', 'machine', 'mode', 'stack', 'skipped']);
  const scenarios = Object.entries(report)
    .filter(([key]) => !skip.has(key))
    .map(([key, value]) => scenarioTable(key, value, quick))
    .join('\n');
  // Quick mode's charts are drawn relative to the baseline's median: its absolute times are no result.
  const chartsOf = (section: ChartSpec['section']) =>
    charts
      .filter((spec) => spec.section === section)
      .map((spec) => cdfChart(spec, quick))
      .join('\n');
  const quickNote = quick
    ? `<p class="warn">Quick mode (CI): fewer rounds, one pass, no peers. Only ratios are shown (charts relative to the raw client's median); absolute times of quick mode are not results.</p>`
    : '';
  return `<!doctype html><html lang="en"><head><meta charset="utf-8"><title>Victor benchmark</title>
<style>body{font:14px system-ui,sans-serif;max-width:900px;margin:2em auto;padding:0 1em}figure{margin:1.5em 0}figcaption{font-weight:600;margin-bottom:.5em}table{border-collapse:collapse;margin:.5em 0}td,th{border:1px solid #ddd;padding:3px 8px;text-align:left}small{color:#666}.warn{background:#fff4e0;padding:.5em}.notes{color:#8a5a00}</style></head>
<body><h1>Victor benchmark</h1>
<p>${escapeHtml(String(report.stack ?? ''))}</p>
${quickNote}
<h2>Machine, date, command</h2><table class="kv">${machineRows}</table>
${quick ? '' : "<p><small>Added figures: the client's percentile minus raw undici's in the same pass, median over passes, with the smallest and largest pass in brackets. Throughput: total requests over total time at concurrency 64, as a ratio to raw; per-round ratios beside it. A negative added figure is inside the noise.</small></p>"}
${groupTable('Clients: one chat call vs raw undici', (report.peers ?? {}) as Record<string, unknown>, quick)}
${chartsOf('peers')}
${groupTable('Agent turn with 55 tools vs raw undici sending the same bytes', (report.frameworks ?? {}) as Record<string, unknown>, quick)}
${chartsOf('frameworks')}
${chartsOf(undefined)}
<h2>Other scenarios</h2>
${scenarios}
</body></html>`;
}
