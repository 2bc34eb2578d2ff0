import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { Progress } from './progress.js';

describe('Progress', () => {
  beforeEach(() => {
    vi.useFakeTimers();
  });
  afterEach(() => {
    vi.useRealTimers();
  });

  it('draws a spinner with the label after its delay, and erases it on stop', async () => {
    let written = '';
    const progress = new Progress({ write: (text) => (written += text) }, true, 100);
    progress.start('waiting for the model');
    await vi.advanceTimersByTimeAsync(90);
    expect(written).toBe('');
    await vi.advanceTimersByTimeAsync(200);
    expect(written).toContain('\r\u001b[2K  ');
    expect(written).toMatch(/ waiting for the model \d\.\d s$/);
    progress.stop();
    expect(written.endsWith('\r\x1b[2K')).toBe(true);
    const length = written.length;
    await vi.advanceTimersByTimeAsync(500);
    expect(written.length).toBe(length);
  });

  it('writes nothing when the output is not a terminal, or for a wait shorter than the delay', async () => {
    let written = '';
    const off = new Progress({ write: (text) => (written += text) }, false);
    off.start('x');
    await vi.advanceTimersByTimeAsync(1_000);
    off.stop();
    const quick = new Progress({ write: (text) => (written += text) }, true, 120);
    quick.start('x');
    await vi.advanceTimersByTimeAsync(100);
    quick.stop();
    expect(written).toBe('');
  });
});
