/**
 * How many of the bridge's stderr lines reach the Output channel. The client already cuts and
 * escapes each line (ssoClient/transport.ts); this bounds their number, so that a bridge (or any
 * program set as "bridge.command") writing without pause cannot flood the log. The first lines of
 * each window pass, because an exception's trace is several lines and a one-line-per-interval
 * limit would keep only its first; the others are counted, and the count is written before the
 * next line that passes.
 */

export const BRIDGE_LOG_LINES_PER_WINDOW = 100;
export const BRIDGE_LOG_WINDOW_MS = 10_000;

interface BridgeLogBounds {
  linesPerWindow: number;
  windowMs: number;
  now: () => number;
}

/** `write`, limited to `linesPerWindow` lines per `windowMs` (fixed windows, counted from the first line). */
export function boundedBridgeLog(
  write: (line: string) => void,
  bounds: BridgeLogBounds = { linesPerWindow: BRIDGE_LOG_LINES_PER_WINDOW, windowMs: BRIDGE_LOG_WINDOW_MS, now: Date.now },
): (line: string) => void {
  let windowStart = Number.NEGATIVE_INFINITY;
  let written = 0;
  let leftOut = 0;
  return (line) => {
    const now = bounds.now();
    if (now - windowStart >= bounds.windowMs) {
      if (leftOut > 0) write(`(${leftOut} more log lines of the bridge were left out: more than ${bounds.linesPerWindow} in ${bounds.windowMs / 1000} s)`);
      windowStart = now;
      written = 0;
      leftOut = 0;
    }
    if (written < bounds.linesPerWindow) {
      written++;
      write(line);
    } else leftOut++;
  };
}
