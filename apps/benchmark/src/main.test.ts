import { describe, expect, it } from 'vitest';
import { runBenchmark } from './main.js';

describe('runBenchmark --quick', () => {
  it('produces every scenario key with finite numbers and an HTML report with charts', async () => {
    const { report, html } = await runBenchmark({ quick: true });
    expect(Object.keys(report)).toEqual(
      expect.arrayContaining(['overhead', 'throughput', 'streaming', 'adr005', 'machine']),
    );
    const numbers = [
      ...Object.values(report.overhead as Record<string, unknown>),
      ...Object.values(report.streaming as Record<string, unknown>),
      ...Object.values(report.adr005 as Record<string, unknown>),
    ].filter((value) => typeof value === 'number');
    expect(numbers.length).toBeGreaterThanOrEqual(11);
    for (const value of numbers) expect(Number.isFinite(value)).toBe(true);
    const throughput = report.throughput as { rawRps: number; stackRps: number; ratio: number };
    expect(throughput.rawRps).toBeGreaterThan(0);
    expect(throughput.stackRps).toBeGreaterThan(0);
    // The slow-provider scenario (docs/decisions.md) is reported with its figures; how long it took is the
    // benchmark's to report, not this test's to assert.
    expect(report.adr005).toHaveProperty('chatLatencyP50Ms', expect.any(Number));
    // Peers and frameworks: objects of clients by name, each "added" figure over raw in the same rounds.
    const peers = report.peers as Record<string, Record<string, unknown>>;
    const frameworks = report.frameworks as Record<string, Record<string, unknown>>;
    expect(Object.keys(peers)).toEqual(['raw', 'victor']);
    expect(Object.keys(frameworks)).toEqual(['raw', 'victorAgent', 'openaiAgents']);
    for (const figures of [peers.victor!, frameworks.victorAgent!]) {
      for (const key of ['addedP50Us', 'addedP99Us', 'ratio', 'cpuUsPerRequest', 'addedTtftP50Us'])
        expect(Number.isFinite(figures[key]), key).toBe(true);
      expect(figures.addedP50RangeUs).toHaveLength(2);
    }
    expect(frameworks.openaiAgents).toHaveProperty('skipped', expect.stringContaining('Node'));
    // The gateway scenario: Victor's gateway against direct on both routes (Portkey's figures or its error).
    const gateway = report.gateway as Record<string, Record<string, Record<string, unknown>>>;
    for (const route of ['plain', 'stream']) {
      expect(Number.isFinite(gateway.victor![route]!.ratio), route).toBe(true);
      expect(Number.isFinite(gateway.victor![route]!.addedP50Us), route).toBe(true);
    }
    expect(Object.keys(gateway.portkey!)).toEqual(['plain', 'stream']);
    expect(html).toContain('<svg');
    expect(html).toContain('data-client="victorAgent"');
    expect(html).toContain('data-client="raw"');
    expect(html).not.toContain('<pre>');
    // A loaded 2-core machine stretches quick mode past vitest's default here; no time is asserted.
  }, 300_000);
});
