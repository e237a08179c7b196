/**
 * Framing of the local protocol and of the MSS channel: one JSON value per line.
 * A frame larger than the limit is refused instead of buffered, so a peer cannot make the
 * other side hold unbounded memory.
 */
import { MAX_FRAME_BYTES } from './messages';

export class FrameTooLargeError extends Error {
  constructor(readonly limit: number) {
    super(`A message exceeded the ${limit}-byte limit.`);
  }
}

/** Splits a byte stream into lines; calls `onLine` for each complete line (without the newline). */
export class LineDecoder {
  private chunks: Buffer[] = [];
  private buffered = 0;

  /** `limit` may be a function: a server allows far less before a peer has authenticated. */
  constructor(
    private readonly onLine: (line: string) => void,
    private readonly limitOf: number | (() => number) = MAX_FRAME_BYTES,
  ) {}

  private get limit(): number {
    return typeof this.limitOf === 'number' ? this.limitOf : this.limitOf();
  }

  push(data: Buffer): void {
    let start = 0;
    for (let nl = data.indexOf(0x0a, start); nl !== -1; nl = data.indexOf(0x0a, start)) {
      const line = this.complete(data, start, nl);
      start = nl + 1;
      if (line.trim().length > 0) this.onLine(line);
    }
    if (start < data.length) this.append(data.subarray(start));
  }

  /** The line ending at `end`: decoded straight from `data` when nothing of it came earlier (the usual case). */
  private complete(data: Buffer, start: number, end: number): string {
    if (this.buffered === 0) {
      if (end - start > this.limit) throw new FrameTooLargeError(this.limit);
      return data.toString('utf8', start, end);
    }
    this.append(data.subarray(start, end));
    const line = Buffer.concat(this.chunks, this.buffered).toString('utf8');
    this.chunks = [];
    this.buffered = 0;
    return line;
  }

  private append(part: Buffer): void {
    if (part.length === 0) return;
    this.buffered += part.length;
    if (this.buffered > this.limit) {
      this.chunks = [];
      this.buffered = 0;
      throw new FrameTooLargeError(this.limit);
    }
    this.chunks.push(Buffer.from(part));
  }
}

export function encodeLine(value: unknown): string {
  return JSON.stringify(value) + '\n';
}
