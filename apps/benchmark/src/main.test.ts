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
    expect(html).toContain('<svg');
    expect(html).toContain('polyline');
  });
});
