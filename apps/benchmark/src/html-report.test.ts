import { describe, expect, it } from 'vitest';
import { htmlReport } from './html-report.js';
import type { ClientFigures, GroupResult } from './rounds.js';

function figures(p50Us: number, added: number, note?: string): ClientFigures {
  return {
    p50Us,
    p99Us: p50Us * 3,
    ttftP50Us: p50Us + 10,
    addedP50Us: added,
    addedP50RangeUs: [added - 2, added + 2],
    addedP99Us: added * 2,
    addedP99RangeUs: [added, added * 3],
    addedTtftP50Us: added,
    addedTtftP50RangeUs: [added - 1, added + 1],
    rps: 1000,
    ratio: 0.9,
    roundRatios: [0.8, 0.9, 1],
    cpuUsPerRequest: 40,
    ...(note ? { note } : {}),
  };
}

function group(names: Record<string, ClientFigures>): GroupResult {
  const samples = (base: number) => Array.from({ length: 200 }, (_, i) => base + i);
  return {
    baseline: 'raw',
    clients: names,
    distributions: {
      chatUs: Object.fromEntries(Object.entries(names).map(([name, f]) => [name, samples(f.p50Us)])),
      ttftUs: Object.fromEntries(Object.entries(names).map(([name, f]) => [name, samples(f.ttftP50Us)])),
    },
    requests: 0,
  };
}

function render(mode: 'quick' | 'full') {
  const peers = group({
    raw: figures(100, 0),
    victor: figures(98, -2, 'negative, so inside the noise of this run'),
    openai: figures(500, 400),
  });
  const frameworks = group({ raw: figures(120, 0), victorAgent: figures(132, 12.5) });
  const report = {
    peers: peers.clients,
    frameworks: { ...frameworks.clients, openaiAgents: { skipped: 'requires Node >= 22' } },
    mode,
    stack: 'what is measured',
    memory: { idleHeapMB: 0.9, buildMs: 12 },
    machine: { cpu: 'test cpu', date: '2026-12-02T18:00:00.000Z', command: 'npm run bench --' },
  };
  return htmlReport(report, [
    { title: 'Clients', unit: 'latency', group: peers, key: 'chatUs' },
    { title: 'Agent', unit: 'TTFT', group: frameworks, key: 'ttftUs' },
  ]);
}

describe('htmlReport', () => {
  it('draws every client on the same chart, tables with the ranges, the machine, and no JSON dump', () => {
    const html = render('full');
    const clientsChart = html.slice(html.indexOf('Clients: latency'), html.indexOf('Agent: TTFT'));
    for (const name of ['raw', 'victor', 'openai']) expect(clientsChart).toContain(`data-client="${name}"`);
    expect(html).toContain('data-client="victorAgent"');
    expect(html).toContain('+12.5 <small>(+10.5 .. +14.5)</small>');
    expect(html).toContain('0.8 0.9 1');
    expect(html).toContain('inside the noise');
    expect(html).toContain('openaiAgents: not measured: requires Node &#62;= 22');
    expect(html).toContain('test cpu');
    expect(html).toContain('npm run bench --');
    expect(html).not.toContain('<pre>');
    expect(html).not.toContain('"peers"');
  });

  it('shows ratios only in quick mode', () => {
    const html = render('quick');
    expect(html).toContain('absolute times of quick mode are not results');
    expect(html).toContain('<td>5.000</td>');
    expect(html).not.toContain('added p50 µs');
    expect(html).not.toContain('buildMs');
    expect(html).toContain('idleHeapMB');
  });
});
