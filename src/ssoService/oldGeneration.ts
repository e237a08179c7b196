/**
 * How far V8 lets the old generation grow between full collections in a long-running SSO service.
 * A service answering a stream of requests promotes some short-lived objects (those of the
 * requests in flight at a scavenge) to the old generation, and by default V8 lets it grow well
 * past what is alive before it collects them: after the benchmark's 8-client load the service
 * held 21 MiB of heap pages for about 10 MB of live objects. V8's memory-saving mode
 * (`--optimize-for-size`, which its collector consults at run time) grows that limit less: 14 MiB
 * after the same load, the service 7–8 MB smaller in all (measured: docs/PERFORMANCE.md, "Fifth
 * round (issue 16)").
 */
import { setFlagsFromString } from 'node:v8';

const MEMORY_SAVING_FLAG = '--optimize-for-size';

export function growOldGenerationConservatively(): void {
  setFlagsFromString(MEMORY_SAVING_FLAG);
}
