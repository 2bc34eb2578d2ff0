/** A one-line progress bar on stderr (plain lines when stderr is not a terminal). */
export class Progress {
  private done = 0;
  constructor(
    private readonly total: number,
    private readonly stream: NodeJS.WriteStream = process.stderr,
  ) {}

  /** Marks one step done, with what it was. */
  step(label: string): void {
    this.done = Math.min(this.total, this.done + 1);
    const width = 30;
    const filled = Math.round((this.done / this.total) * width);
    const bar = `[${'#'.repeat(filled)}${'.'.repeat(width - filled)}] ${String(Math.round((this.done / this.total) * 100)).padStart(3)}% ${label}`;
    if (this.stream.isTTY) this.stream.write(`\r${bar.padEnd(100)}`);
    else this.stream.write(`${bar}\n`);
  }

  /** Ends the bar's line. */
  finish(): void {
    if (this.stream.isTTY) this.stream.write('\n');
  }
}
