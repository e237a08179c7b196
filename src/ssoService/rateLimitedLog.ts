/**
 * A log line that a peer can cause (a refused TLS client, an unexpected error) is written at most
 * once per interval, with a count of the ones left out: a flood of causes must not flood the log.
 */
/** Writes the first message of each interval and counts the rest. */
export class RateLimitedLog {
  private lastWrittenAt = 0;
  private suppressed = 0;

  constructor(
    private readonly log: (message: string) => void,
    private readonly intervalMs: number,
  ) {}

  write(message: string): void {
    const now = Date.now();
    if (now - this.lastWrittenAt < this.intervalMs) {
      this.suppressed++;
      return;
    }
    const more = this.suppressed > 0 ? ` (and ${this.suppressed} more since the last such line)` : '';
    this.suppressed = 0;
    this.lastWrittenAt = now;
    this.log(message + more);
  }
}
