/** Closed-loop load: N workers, each sending its next request as soon as the previous one is answered. */
import * as net from 'node:net';
import { now } from './stats';

export interface LoadResult {
  latencies: number[];
  requests: number;
  elapsedMs: number;
  perSecond: number;
}

/** Runs every worker in a loop for `durationMs`; each call of a worker is one timed request. */
export async function closedLoop(workers: Array<(i: number) => Promise<unknown>>, durationMs: number): Promise<LoadResult> {
  const latencies: number[] = [];
  const started = now();
  const deadline = started + durationMs;
  await Promise.all(
    workers.map(async (work, w) => {
      for (let i = 0; now() < deadline; i++) {
        const t = now();
        await work(i * workers.length + w);
        latencies.push(now() - t);
      }
    }),
  );
  const elapsedMs = now() - started;
  return { latencies, requests: latencies.length, elapsedMs, perSecond: (latencies.length / elapsedMs) * 1000 };
}

/**
 * The thinnest client of a line-framed socket: writes prepared bytes, resolves on the next
 * newline. No JSON, no ids, no timers: the floor of a round trip on this socket.
 */
export class RawLineClient {
  private waiting: Array<() => void> = [];
  private partial = '';
  /** The last complete line received (kept only when `keepLines`). */
  lastLine = '';

  private constructor(
    private readonly socket: net.Socket,
    private readonly keepLines: boolean,
  ) {
    socket.on('data', (data) => {
      let start = 0;
      for (let i = data.indexOf(0x0a); i !== -1; i = data.indexOf(0x0a, start)) {
        if (this.keepLines) {
          this.lastLine = this.partial + data.subarray(start, i).toString('utf8');
          this.partial = '';
        }
        start = i + 1;
        this.waiting.shift()?.();
      }
      if (this.keepLines && start < data.length) this.partial += data.subarray(start).toString('utf8');
    });
    socket.on('error', () => undefined);
  }

  static connect(socketPath: string, keepLines = false): Promise<RawLineClient> {
    return new Promise((resolve, reject) => {
      const socket = net.createConnection(socketPath);
      socket.once('error', reject);
      socket.once('connect', () => {
        socket.off('error', reject);
        resolve(new RawLineClient(socket, keepLines));
      });
    });
  }

  roundTrip(bytes: Buffer | string): Promise<void> {
    return new Promise((resolve) => {
      this.waiting.push(resolve);
      this.socket.write(bytes);
    });
  }

  close(): void {
    this.socket.destroy();
  }
}
