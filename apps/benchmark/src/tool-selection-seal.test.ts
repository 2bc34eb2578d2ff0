import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { toolSelectionOnSeal } from './tool-selection-seal.js';

describe('toolSelectionOnSeal', () => {
  const dir = mkdtempSync(join(tmpdir(), 'seal-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('says why it was skipped when the data is absent', () => {
    const result = toolSelectionOnSeal(true, join(dir, 'absent'));
    expect(result).toEqual({ skipped: expect.stringContaining(join(dir, 'absent')) });
  });

  it('times selection over the pool and scores recall@5, leaving out tools the registry refuses', () => {
    const tools = [
      { name: 'getWeather', description: 'Current weather of a city', parameters: { type: 'object' } },
      { name: 'sendEmail', description: 'Send an email to a recipient', parameters: { type: 'object' } },
      { name: 'bookFlight', description: 'Book a flight between two airports' },
      {
        name: 'request First Aid',
        description: 'A name with spaces, refused',
        parameters: { type: 'object' },
      },
    ];
    writeFileSync(join(dir, 'tools.json'), JSON.stringify(tools));
    writeFileSync(
      join(dir, 'queries.jsonl'),
      [
        { query: 'What is the weather in Lisbon?', expected: ['getWeather'] },
        { query: 'Book a flight to Oslo. Then send an email to Ana.', expected: ['bookFlight', 'sendEmail'] },
        { query: 'Nothing here matches', expected: ['getWeather'] },
      ]
        .map((line) => JSON.stringify(line))
        .join('\n'),
    );
    const result = toolSelectionOnSeal(false, dir);
    if ('skipped' in result) throw new Error(result.skipped);
    expect(result.tools).toBe(3);
    expect(result.queries).toBe(3);
    expect(result.recallAt5).toBeCloseTo(2 / 3, 3);
    // Quick mode takes every fourth query: here the first one only.
    expect(toolSelectionOnSeal(true, dir)).toMatchObject({ queries: 1, recallAt5: 1 });
    expect(result.p50Us).toBeGreaterThan(0);
    expect(result.p99Us).toBeGreaterThanOrEqual(result.p50Us);
  });
});
