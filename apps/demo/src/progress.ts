import type { Output } from './conversation.js';

const FRAMES = ['⠋', '⠙', '⠹', '⠸', '⠼', '⠴', '⠦', '⠧', '⠇', '⠏'];

/**
 * A one-line spinner shown while the assistant waits (for the model, or for tools). It draws only on a
 * terminal (`enabled`), appears after `delayMs` so that quick waits do not flicker, and erases itself
 * before anything else is written.
 */
export class Progress {
  private timer: NodeJS.Timeout | undefined;
  private shown = false;
  private frame = 0;
  private label = '';
  private started = 0;

  constructor(
    private readonly output: Output,
    private readonly enabled: boolean,
    private readonly delayMs = 120,
  ) {}

  /** Starts (or relabels) the spinner. */
  start(label: string): void {
    if (!this.enabled) return;
    this.label = label;
    if (this.timer !== undefined) return;
    this.started = performance.now();
    this.timer = setInterval(() => this.draw(), 80);
    this.timer.unref();
  }

  /** Erases the spinner; call before writing anything else. */
  stop(): void {
    if (this.timer !== undefined) clearInterval(this.timer);
    this.timer = undefined;
    if (this.shown) this.output.write('\r\x1b[2K');
    this.shown = false;
  }

  private draw(): void {
    const waited = performance.now() - this.started;
    if (waited < this.delayMs) return;
    this.frame = (this.frame + 1) % FRAMES.length;
    this.output.write(`\r\x1b[2K  ${FRAMES[this.frame]} ${this.label} ${(waited / 1000).toFixed(1)} s`);
    this.shown = true;
  }
}
