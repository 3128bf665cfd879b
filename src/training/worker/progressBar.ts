// A one-line terminal progress bar for the CLI; falls back to plain log lines when stderr is not a terminal (CI logs).
export class ProgressBar {
  private lastPlain = -1;

  constructor(private readonly stream: NodeJS.WriteStream = process.stderr) {}

  update(step: number, total: number, text: string): void {
    const frac = total > 0 ? Math.min(1, step / total) : 0;
    if (this.stream.isTTY) {
      const width = Math.max(10, Math.min(30, (this.stream.columns ?? 80) - text.length - 20));
      const filled = Math.round(frac * width);
      this.stream.write(`\r[${'#'.repeat(filled)}${'.'.repeat(width - filled)}] ${String(step).padStart(String(total).length)}/${total} ${text}\x1b[K`);
    } else {
      // One line per 10% (and the last step) keeps CI logs short.
      const bucket = Math.floor(frac * 10);
      if (bucket !== this.lastPlain || step === total) {
        this.lastPlain = bucket;
        this.stream.write(`step ${step}/${total} ${text}\n`);
      }
    }
  }

  done(): void {
    if (this.stream.isTTY) this.stream.write('\n');
  }
}
