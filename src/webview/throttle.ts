// Rate limit for webview updates: a trainer logging every step must not post thousands of messages a second. The
// first request after a quiet period is delivered at once (a user sees a new run start immediately); requests inside
// the interval coalesce into one trailing delivery, so the last state is never lost.

export interface Clock {
  now(): number;
  setTimeout(fn: () => void, ms: number): unknown;
  clearTimeout(handle: unknown): void;
}

const realClock: Clock = {
  now: () => Date.now(),
  setTimeout: (fn, ms) => setTimeout(fn, ms),
  clearTimeout: (h) => clearTimeout(h as ReturnType<typeof setTimeout>),
};

export class Throttle {
  private last = Number.NEGATIVE_INFINITY;
  private timer: unknown;
  private disposed = false;

  constructor(
    private readonly deliver: () => void,
    private readonly intervalMs = 250,
    private readonly clock: Clock = realClock,
  ) {}

  request(): void {
    if (this.disposed || this.timer !== undefined) return;
    const wait = this.last + this.intervalMs - this.clock.now();
    if (wait <= 0) {
      this.fire();
      return;
    }
    this.timer = this.clock.setTimeout(() => {
      this.timer = undefined;
      this.fire();
    }, wait);
  }

  private fire(): void {
    if (this.disposed) return;
    this.last = this.clock.now();
    this.deliver();
  }

  dispose(): void {
    this.disposed = true;
    if (this.timer !== undefined) this.clock.clearTimeout(this.timer);
    this.timer = undefined;
  }
}
