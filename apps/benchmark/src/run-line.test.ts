import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { runLine } from './main.js';

describe('runLine', () => {
  it("names the run's date, machine and command above the printed figures", () => {
    const { report } = JSON.parse(
      readFileSync(new URL('./__fixtures__/report.json', import.meta.url), 'utf8'),
    ) as { report: Record<string, unknown> };
    expect(runLine(report)).toBe(
      'full run of 2026-12-02T21:45:00.000Z: Fixture CPU @ 2.0GHz, 2 cores, 8 GB, Node v20.20.0 (linux-x64), load average 0.3 0.4 0.5, placement left to the scheduler; command: npm run bench -- --json report.json --html report.html',
    );
    expect(runLine({ ...report, mode: 'quick' })).toMatch(/^quick run of /);
  });
});
