import { describe, expect, it } from 'vitest';
import { type PromptCacheModeResult, promptCacheScenario, replayPromptCacheMode } from './prompt-cache.js';

describe('promptCache scenario', () => {
  it('reports the three modes; sticky bills at most 40% of the baseline with recall no lower', async () => {
    const result = (await promptCacheScenario()) as {
      modes: Record<'baseline' | 'cacheControl' | 'sticky', PromptCacheModeResult>;
    };
    const { baseline, cacheControl, sticky } = result.modes;
    for (const mode of [baseline, cacheControl, sticky]) {
      for (const key of ['inputTokens', 'cachedTokens', 'billedInputEquivalent', 'compactions', 'recall'])
        expect(Number.isFinite(mode[key as keyof PromptCacheModeResult])).toBe(true);
    }
    expect(baseline.cachedTokens).toBe(0);
    expect(cacheControl.compactions).toBeGreaterThanOrEqual(2);
    expect(sticky.billedInputEquivalent).toBeLessThanOrEqual(0.4 * baseline.billedInputEquivalent);
    expect(sticky.recall).toBeGreaterThanOrEqual(baseline.recall);
    // Mode 3 is what the agent does by default.
    expect(await replayPromptCacheMode('sticky', true)).toEqual(sticky);
  }, 60_000);
});
