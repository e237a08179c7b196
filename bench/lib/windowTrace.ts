/**
 * What the window (code-server's page in Chromium) does during one action: a DevTools trace of
 * its threads (tasks, script, style, layout, paint, GC), a CPU profile of its JavaScript, and the
 * WebSocket frames it sends and receives (the extension host's messages come through one). Bench
 * only: `bench/pageProfile.ts` reads what `capturePage` writes. Timestamps are the machine's
 * monotonic clock in µs in all three, and in the extension host's CPU profile, so one page can be
 * read across both processes.
 */
import { writeFileSync } from 'node:fs';
import type { Page } from 'playwright-core';

const CATEGORIES = [
  'toplevel',
  'devtools.timeline',
  'disabled-by-default-devtools.timeline',
  'v8.execute',
  'blink.user_timing',
  'disabled-by-default-v8.gc',
].join(',');

export interface CpuProfileData {
  nodes: Array<{ id: number; callFrame: { url: string; functionName: string; lineNumber: number; columnNumber: number } }>;
  startTime: number;
  endTime: number;
  samples: number[];
  timeDeltas: number[];
}

interface TraceEvent {
  name: string;
  ph: string;
  ts: number;
  dur?: number;
  pid: number;
  tid: number;
  args?: unknown;
}

/** A WebSocket frame of the page: when (µs), which way, how many bytes (never its content: it may carry decrypted values). */
interface WsFrame {
  t: number;
  dir: 'in' | 'out';
  bytes: number;
}

export interface WindowCapture {
  events: TraceEvent[];
  profile: CpuProfileData;
  frames: WsFrame[];
}

/** Runs `act` while the page is traced, profiled and its WebSocket frames recorded. */
export async function captureWindow<T>(page: Page, act: () => Promise<T>): Promise<{ result: T; capture: WindowCapture }> {
  const cdp = await page.context().newCDPSession(page);
  const events: TraceEvent[] = [];
  const frames: WsFrame[] = [];
  cdp.on('Tracing.dataCollected', (e) => events.push(...(e.value as unknown as TraceEvent[])));
  const complete = new Promise<void>((resolve) => cdp.once('Tracing.tracingComplete', () => resolve()));
  const frame = (dir: WsFrame['dir']) => (e: { timestamp: number; response: { opcode: number; payloadData: string } }) =>
    frames.push({ t: e.timestamp * 1e6, dir, bytes: e.response.opcode === 2 ? Math.floor((e.response.payloadData.length * 3) / 4) : e.response.payloadData.length });
  cdp.on('Network.webSocketFrameReceived', frame('in'));
  cdp.on('Network.webSocketFrameSent', frame('out'));
  await cdp.send('Network.enable');
  await cdp.send('Profiler.enable');
  await cdp.send('Profiler.setSamplingInterval', { interval: 200 });
  await cdp.send('Tracing.start', { categories: CATEGORIES, transferMode: 'ReportEvents' });
  await cdp.send('Profiler.start');
  let result: T;
  let profile: CpuProfileData | undefined;
  try {
    result = await act();
  } finally {
    profile = (await cdp.send('Profiler.stop')).profile as unknown as CpuProfileData;
    await cdp.send('Tracing.end');
    await complete;
    await cdp.send('Network.disable');
    await cdp.send('Profiler.disable');
    await cdp.detach();
  }
  return { result, capture: { events, profile, frames } };
}

/** Writes one page's window capture and the extension host's CPU profile of the same page, for `bench/pageProfile.ts`. */
export function writePageCapture(file: string, page: number, window: WindowCapture, host: CpuProfileData | undefined): void {
  writeFileSync(file, JSON.stringify({ page, window, host }));
}
