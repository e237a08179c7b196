/**
 * How many refused connections of one peer are audited (and logged) one by one: the first
 * `perWindow` of each window; the rest are counted and summarised in one record when the window
 * ends. A client hammering the socket with wrong tokens then costs a few audit rows a minute,
 * not hundreds a second, and the audit still says how many refusals there were.
 */

interface RefusalThrottleOptions {
  /** Refusals recorded one by one per peer and window. */
  perWindow: number;
  windowMs: number;
  /** Called once per window in which refusals were not recorded one by one. */
  summarise: (peer: string, suppressed: number, windowMs: number) => Promise<void> | void;
  /** Peers tracked at once; refusals of any further peer share one entry (the map stays bounded). */
  maxPeers?: number;
}

export const DEFAULT_REFUSALS_PER_WINDOW = 10;
export const DEFAULT_REFUSAL_WINDOW_MS = 60_000;
const DEFAULT_MAX_PEERS = 256;
const OVERFLOW_PEER = '(other peers)';

interface PeerWindow {
  recorded: number;
  suppressed: number;
  timer: NodeJS.Timeout;
}

export class RefusalThrottle {
  private readonly peers = new Map<string, PeerWindow>();

  constructor(private readonly options: RefusalThrottleOptions) {}

  /** True when this refusal is to be recorded on its own; false when it is only counted. */
  admit(peer: string): boolean {
    const key = this.peers.has(peer) || this.peers.size < (this.options.maxPeers ?? DEFAULT_MAX_PEERS) ? peer : OVERFLOW_PEER;
    let window = this.peers.get(key);
    if (!window) {
      window = { recorded: 0, suppressed: 0, timer: setTimeout(() => void this.endWindow(key), this.options.windowMs) };
      window.timer.unref();
      this.peers.set(key, window);
    }
    if (window.recorded < this.options.perWindow) {
      window.recorded++;
      return true;
    }
    window.suppressed++;
    return false;
  }

  /** Summarises what is still counted (a stopping service leaves no refusal unrecorded) and stops every timer. */
  async close(): Promise<void> {
    await Promise.all([...this.peers.keys()].map((key) => this.endWindow(key)));
  }

  private async endWindow(key: string): Promise<void> {
    const window = this.peers.get(key);
    if (!window) return;
    clearTimeout(window.timer);
    this.peers.delete(key);
    if (window.suppressed > 0) await this.options.summarise(key, window.suppressed, this.options.windowMs);
  }
}
