/**
 * V8 doubles the young generation of a process that allocates steadily (each semi-space from
 * 1 MB up to 16 MB), and a service answering a stream of requests does: under the benchmark's
 * 8 clients that was 27 MB of the service's resident memory, kept after the load. Keeping the
 * semi-spaces at their start size means more frequent, smaller scavenges instead (measured:
 * docs/PERFORMANCE.md, "Third round (issue 16)"). Unlike `--max-semi-space-size`, which only the
 * command line can set, the growth factor is read at each growth, so the service sets it itself.
 */
import { setFlagsFromString } from 'node:v8';

const YOUNG_GENERATION_GROWTH_FLAG = '--semi-space-growth-factor=1';

export function keepYoungGenerationAtStartSize(): void {
  setFlagsFromString(YOUNG_GENERATION_GROWTH_FLAG);
}
