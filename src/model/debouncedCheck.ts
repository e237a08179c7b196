/**
 * A check that asks the service (does this name exist already?) run once typing pauses, not per
 * keystroke: each new value cancels the check still waiting, and the answer to a value that has
 * been typed over is dropped. No VS Code here, so that the timing can be tested on its own.
 */

/** Long enough to span keystrokes, short enough to answer before the user looks up. */
const NAME_CHECK_DELAY_MS = 250;

/**
 * Wraps `check` so that a burst of calls runs it once, for the last value, after `delayMs` of quiet.
 * A call that is superseded resolves to undefined (no problem to show: a newer answer follows).
 */
export function debouncedCheck(check: (value: string) => Promise<string | undefined>, delayMs = NAME_CHECK_DELAY_MS): (value: string) => Promise<string | undefined> {
  let latest = 0;
  let cancelWaiting: (() => void) | undefined;
  return (value) => {
    const mine = ++latest;
    cancelWaiting?.();
    return new Promise<string | undefined>((resolve) => {
      const timer = setTimeout(() => {
        cancelWaiting = undefined;
        check(value).then(
          (problem) => resolve(mine === latest ? problem : undefined),
          () => resolve(undefined),
        );
      }, delayMs);
      cancelWaiting = () => {
        clearTimeout(timer);
        resolve(undefined);
      };
    });
  };
}
