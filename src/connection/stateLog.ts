/**
 * What of the service's pushed states reaches the Output channel: a line when the state changes
 * (not for every push: the own service pushes re-encryption progress, and a misbehaving bridge
 * could push without pause), and at most STATE_LOG_LINES_PER_WINDOW of them per window; the
 * others are counted, and the count is written before the next line that passes.
 * No `vscode` import: unit-tested with node:test.
 */
import type { ServiceState } from '../protocol/messages';

export const STATE_LOG_LINES_PER_WINDOW = 20;
export const STATE_LOG_WINDOW_MS = 60_000;

/** A logger of one connection's states: `log(environment, state)` writes only changes, bounded. */
export function stateChangeLog(write: (line: string) => void, now: () => number = Date.now): (environment: string, state: ServiceState) => void {
  let last: string | undefined;
  let windowStart = Number.NEGATIVE_INFINITY;
  let written = 0;
  let leftOut = 0;
  return (environment, state) => {
    if (state.state === last) return;
    last = state.state;
    const t = now();
    if (t - windowStart >= STATE_LOG_WINDOW_MS) {
      if (leftOut > 0) write(`(${leftOut} more state changes not logged)`);
      windowStart = t;
      written = 0;
      leftOut = 0;
    }
    if (written >= STATE_LOG_LINES_PER_WINDOW) {
      leftOut++;
      return;
    }
    written++;
    write(`State of "${environment}": ${state.state}${state.reencrypt ? ` (${state.reencrypt.done}/${state.reencrypt.total})` : ''}`);
  };
}
