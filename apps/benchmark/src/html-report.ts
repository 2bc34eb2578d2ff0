import type { Distribution } from './scenarios.js';
import { percentile, sorted } from './stats.js';

function escapeHtml(text: string): string {
  return text.replace(/[&<>"]/g, (char) => `&#${char.charCodeAt(0)};`);
}

/** An SVG chart of two latency distributions as cumulative curves (x: microseconds, y: share). */
function cdfChart(title: string, distribution: Distribution): string {
  const width = 640;
  const height = 280;
  const pad = 48;
  const raw = sorted(distribution.rawUs);
  const stack = sorted(distribution.stackUs);
  const maxX = Math.max(percentile(raw, 99), percentile(stack, 99)) * 1.1 || 1;
  const path = (samples: Float64Array) => {
    const points: string[] = [];
    const steps = 100;
    for (let i = 0; i <= steps; i++) {
      const value = Math.min(percentile(samples, (i / steps) * 99.9 || 0.1), maxX);
      const x = pad + (value / maxX) * (width - 2 * pad);
      const y = height - pad - (i / steps) * (height - 2 * pad);
      points.push(`${x.toFixed(1)},${y.toFixed(1)}`);
    }
    return points.join(' ');
  };
  const ticks = [0, 0.25, 0.5, 0.75, 1]
    .map((share) => {
      const x = pad + share * (width - 2 * pad);
      return `<line x1="${x}" y1="${height - pad}" x2="${x}" y2="${pad}" stroke="#eee"/><text x="${x}" y="${height - pad + 16}" font-size="11" text-anchor="middle">${Math.round(share * maxX)}</text>`;
    })
    .join('');
  return `<figure><figcaption>${escapeHtml(title)}</figcaption>
<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" role="img" aria-label="${escapeHtml(title)}">
<rect width="100%" height="100%" fill="#fff"/>${ticks}
<line x1="${pad}" y1="${height - pad}" x2="${width - pad}" y2="${height - pad}" stroke="#333"/>
<line x1="${pad}" y1="${height - pad}" x2="${pad}" y2="${pad}" stroke="#333"/>
<text x="${width / 2}" y="${height - 8}" font-size="12" text-anchor="middle">microseconds</text>
<text x="14" y="${height / 2}" font-size="12" transform="rotate(-90 14 ${height / 2})" text-anchor="middle">share of requests</text>
<polyline fill="none" stroke="#888" stroke-width="2" points="${path(raw)}"/>
<polyline fill="none" stroke="#c0392b" stroke-width="2" points="${path(stack)}"/>
<text x="${width - pad - 120}" y="${pad + 14}" font-size="12" fill="#888">raw undici</text>
<text x="${width - pad - 120}" y="${pad + 30}" font-size="12" fill="#c0392b">Victor stack</text>
</svg></figure>`;
}

/** An SVG bar chart of labelled values. */
function barChart(title: string, bars: Array<[string, number]>, unit: string): string {
  const width = 640;
  const rowHeight = 28;
  const height = bars.length * rowHeight + 40;
  const max = Math.max(...bars.map(([, value]) => Math.abs(value)), 1);
  const rows = bars
    .map(([label, value], index) => {
      const y = 20 + index * rowHeight;
      const length = (Math.abs(value) / max) * (width - 260);
      return `<text x="0" y="${y + 16}" font-size="12">${escapeHtml(label)}</text><rect x="160" y="${y + 4}" width="${length.toFixed(1)}" height="16" fill="#c0392b"/><text x="${165 + length}" y="${y + 16}" font-size="12">${value} ${escapeHtml(unit)}</text>`;
    })
    .join('');
  return `<figure><figcaption>${escapeHtml(title)}</figcaption><svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}">${rows}</svg></figure>`;
}

/** A self-contained HTML report (inline SVG, no network) of a benchmark run. */
export function htmlReport(
  report: Record<string, unknown>,
  distributions: Record<string, Distribution>,
  overheadBars: Array<[string, number]>,
): string {
  const charts = Object.entries(distributions)
    .map(([name, distribution]) =>
      cdfChart(`${name}: latency distribution, raw undici vs stack`, distribution),
    )
    .join('\n');
  return `<!doctype html><html lang="en"><head><meta charset="utf-8"><title>Victor benchmark</title>
<style>body{font:14px system-ui,sans-serif;max-width:760px;margin:2em auto;padding:0 1em}figure{margin:1.5em 0}figcaption{font-weight:600;margin-bottom:.5em}pre{background:#f6f6f6;padding:1em;overflow:auto}</style></head>
<body><h1>Victor benchmark</h1>
${barChart('Runtime overhead over raw undici (stack minus raw)', overheadBars, 'µs')}
${charts}
<h2>All figures</h2><pre>${escapeHtml(JSON.stringify(report, null, 2))}</pre></body></html>`;
}
