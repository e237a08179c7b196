/**
 * What holds the memory of a running Node process (the extension host): its inspector is opened
 * with SIGUSR1 (Node's own signal for it, on 127.0.0.1:9229), then, through the DevTools protocol,
 * `process.memoryUsage()` after a full garbage collection, a heap snapshot summarised by
 * constructor (self sizes; the bench), or searched for given strings (the UI tests: no masked value
 * is held). Test and bench only: the WebSocket client is Playwright's bundled `ws`.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { setTimeout as delay } from 'node:timers/promises';

const PORT = 9229;
const V8_DEFAULT_STRING_LIMIT = 1024;
/** The global under which the inspected process keeps what JSON.parse was given (keepJsonParseInputs). */
const KEPT = '__heapInspectorJsonParseInputs';
/** Far longer than any message or document the extension holds: no string is cut. */
const STRING_LIMIT_WHILE_SEARCHING = 64 * 1024 * 1024;

interface WebSocketLike {
  on(event: 'open' | 'message' | 'error' | 'close', listener: (data?: unknown) => void): void;
  send(data: string): void;
  close(): void;
}

export interface MemoryUsage {
  rss: number;
  heapUsed: number;
  heapTotal: number;
  external: number;
  arrayBuffers: number;
}

/** Self size in bytes and count of the objects of each constructor (or V8 node kind). */
export type HeapSummary = Map<string, { size: number; count: number }>;

export class HeapInspector {
  private nextId = 1;
  private readonly pending = new Map<number, { resolve: (v: unknown) => void; reject: (e: Error) => void }>();
  private onChunk: (chunk: string) => void = () => undefined;

  private constructor(private readonly socket: WebSocketLike) {
    socket.on('message', (data) => {
      const message = JSON.parse(String(data)) as { id?: number; result?: unknown; error?: { message: string }; method?: string; params?: { chunk?: string } };
      if (message.method === 'HeapProfiler.addHeapSnapshotChunk') this.onChunk(message.params?.chunk ?? '');
      if (message.id === undefined) return;
      const waiter = this.pending.get(message.id);
      this.pending.delete(message.id);
      if (message.error) waiter?.reject(new Error(message.error.message));
      else waiter?.resolve(message.result);
    });
  }

  /**
   * Opens the inspector of `pid` and checks that the one answering on the port is that process.
   * The port is fixed (SIGUSR1 opens it where Node's default says), so a UI test and the extension
   * benchmark running at the same time take turns: wait until no inspector answers there, signal,
   * and start again if another process took it meanwhile, for at most `waitMs`.
   */
  static async open(pid: number, waitMs = 240_000): Promise<HeapInspector> {
    const deadline = Date.now() + waitMs;
    for (;;) {
      while ((await inspectorUrl()) !== undefined) {
        if (Date.now() > deadline) throw new Error(`port ${PORT} stayed held by another process for ${Math.round(waitMs / 1000)} s`);
        await delay(500);
      }
      // Signalled before Node has installed its handler (a host that has just started), the
      // process would be killed by SIGUSR1 instead (seen in a clean-clone CI run).
      while (!catchesSigusr1(pid)) {
        if (Date.now() > deadline) throw new Error(`process ${pid} never installed a SIGUSR1 handler (not a Node process ready for its inspector?)`);
        await delay(100);
      }
      process.kill(pid, 'SIGUSR1');
      let url: string | undefined;
      for (let i = 0; i < 50 && !url; i++) {
        await delay(100);
        url = await inspectorUrl();
      }
      if (!url) throw new Error(`no inspector answered on port ${PORT} after SIGUSR1`);
      const inspector = await HeapInspector.connect(url);
      const answered = await inspector.evaluate<number>('process.pid');
      if (answered === pid) return inspector;
      inspector.close();
      if (Date.now() > deadline) throw new Error(`port ${PORT} is held by another process (pid ${answered}), not the extension host ${pid}`);
    }
  }

  private static async connect(url: string): Promise<HeapInspector> {
    const { ws } = createRequire(__filename)('playwright-core/lib/utilsBundle') as { ws: new (url: string, options?: object) => WebSocketLike };
    const socket = new ws(url, { maxPayload: 1024 * 1024 * 1024 });
    await new Promise<void>((resolve, reject) => {
      socket.on('open', () => resolve());
      socket.on('error', (e) => reject(e instanceof Error ? e : new Error(String(e))));
    });
    return new HeapInspector(socket);
  }

  private call<T>(method: string, params: object = {}): Promise<T> {
    const id = this.nextId++;
    return new Promise<T>((resolve, reject) => {
      this.pending.set(id, { resolve: resolve as (v: unknown) => void, reject });
      this.socket.send(JSON.stringify({ id, method, params }));
    });
  }

  async evaluate<T>(expression: string): Promise<T> {
    const r = await this.call<{ result: { value: T } }>('Runtime.evaluate', { expression, returnByValue: true });
    return r.result.value;
  }

  /** `process.memoryUsage()` after a full garbage collection: what is still held, not garbage. */
  async retainedMemory(): Promise<MemoryUsage> {
    await this.call('HeapProfiler.collectGarbage');
    return this.evaluate<MemoryUsage>('process.memoryUsage()');
  }

  /** A heap snapshot (it collects garbage first), summed by constructor. */
  async heapSummary(): Promise<HeapSummary> {
    const chunks: string[] = [];
    await this.takeHeapSnapshot((chunk) => chunks.push(chunk));
    const snapshot = JSON.parse(chunks.join('')) as { snapshot: { meta: { node_fields: string[]; node_types: [string[]] } }; nodes: number[]; strings: string[] };
    const fields = snapshot.snapshot.meta.node_fields;
    const types = snapshot.snapshot.meta.node_types[0];
    const width = fields.length;
    const typeAt = fields.indexOf('type');
    const nameAt = fields.indexOf('name');
    const sizeAt = fields.indexOf('self_size');
    const out: HeapSummary = new Map();
    for (let i = 0; i < snapshot.nodes.length; i += width) {
      const type = types[snapshot.nodes[i + typeAt] as number] as string;
      const key = type === 'object' || type === 'closure' ? `${type === 'closure' ? 'closure ' : ''}${snapshot.strings[snapshot.nodes[i + nameAt] as number]}` : `(${type})`;
      const entry = out.get(key) ?? { size: 0, count: 0 };
      entry.size += snapshot.nodes[i + sizeAt] as number;
      entry.count++;
      out.set(key, entry);
    }
    return out;
  }

  /**
   * From now on the process keeps every text it passes to JSON.parse (each message of the SSO
   * client is one), up to `maxCharacters` in all, so that a heap snapshot shows the messages that
   * came and went, not only what is still referenced after garbage collection.
   */
  async keepJsonParseInputs(maxCharacters: number): Promise<void> {
    await this.evaluate<boolean>(`(() => {
      if (globalThis.${KEPT}) return true;
      const kept = { texts: [], characters: 0, dropped: 0, original: JSON.parse };
      JSON.parse = function parse(text, reviver) {
        if (typeof text === 'string') {
          if (kept.characters + text.length <= ${maxCharacters}) { kept.texts.push(text); kept.characters += text.length; } else kept.dropped++;
        }
        return kept.original.call(this, text, reviver);
      };
      globalThis.${KEPT} = kept;
      return true;
    })()`);
  }

  /** How many texts JSON.parse was given since keepJsonParseInputs, and how many did not fit. */
  async jsonParseInputsKept(): Promise<{ count: number; characters: number; dropped: number }> {
    return this.evaluate(`(() => { const k = globalThis.${KEPT}; return k ? { count: k.texts.length, characters: k.characters, dropped: k.dropped } : { count: 0, characters: 0, dropped: 0 }; })()`);
  }

  /** Whether one of the texts JSON.parse was given since keepJsonParseInputs contains `text`. */
  async jsonParseInputsInclude(text: string): Promise<boolean> {
    return this.evaluate<boolean>(`(() => { const k = globalThis.${KEPT}; const t = ${JSON.stringify(text)}; return !!k && k.texts.some((s) => s.includes(t)); })()`);
  }

  /** JSON.parse is the process's own again and the kept texts are let go. */
  async stopKeepingJsonParseInputs(): Promise<void> {
    await this.evaluate<boolean>(`(() => { const k = globalThis.${KEPT}; if (k) { JSON.parse = k.original; delete globalThis.${KEPT}; } return true; })()`);
  }

  /**
   * Which of `needles` occur in a heap snapshot's text (its strings, JSON-escaped), searched as it
   * streams in: the snapshot is never held whole. V8 cuts each string to 1024 characters in a
   * snapshot (--heap-snapshot-string-limit), which would hide a value deep in a long JSON line, so
   * the limit is raised for this one snapshot. Only what the heap still holds after V8's full
   * garbage collection is there; buffer contents (ArrayBuffer backing stores) are not.
   */
  async findInHeapSnapshot(needles: readonly string[]): Promise<{ found: Set<string>; bytes: number }> {
    const escaped = needles.map((n) => ({ needle: n, text: JSON.stringify(n).slice(1, -1) }));
    const overlap = Math.max(0, ...escaped.map((e) => e.text.length - 1));
    const found = new Set<string>();
    let tail = '';
    let bytes = 0;
    await this.setStringLimit(STRING_LIMIT_WHILE_SEARCHING);
    try {
      await this.takeHeapSnapshot((chunk) => {
        bytes += Buffer.byteLength(chunk);
        const window = tail + chunk;
        for (const e of escaped) if (!found.has(e.needle) && window.includes(e.text)) found.add(e.needle);
        tail = window.slice(Math.max(0, window.length - overlap));
      });
    } finally {
      await this.setStringLimit(V8_DEFAULT_STRING_LIMIT);
    }
    return { found, bytes };
  }

  private async takeHeapSnapshot(onChunk: (chunk: string) => void): Promise<void> {
    this.onChunk = onChunk;
    try {
      await this.call('HeapProfiler.takeHeapSnapshot', { reportProgress: false });
    } finally {
      this.onChunk = () => undefined;
    }
  }

  private async setStringLimit(characters: number): Promise<void> {
    const applied = await this.evaluate<boolean>(
      `(() => { const v8 = process.getBuiltinModule?.('v8'); if (!v8) return false; v8.setFlagsFromString('--heap-snapshot-string-limit=${characters}'); return true; })()`,
    );
    if (!applied) throw new Error('the inspected process cannot raise the heap snapshot string limit (it needs process.getBuiltinModule, Node 20.16 or later)');
  }

  /**
   * CPU time of the process while `act` runs, by where it was spent: self time of each sampled
   * function, summed by `classify(url, functionName)`.
   */
  async cpuProfile<T>(act: () => Promise<T>, classify: (url: string, functionName: string) => string): Promise<{ result: T; msBy: Map<string, number>; profile: CpuProfile }> {
    await this.call('Profiler.enable');
    await this.call('Profiler.setSamplingInterval', { interval: 200 });
    await this.call('Profiler.start');
    const stop = async () => {
      const answer = await this.call<{ profile: CpuProfile }>('Profiler.stop');
      await this.call('Profiler.disable');
      return answer;
    };
    let result: T;
    try {
      result = await act();
    } catch (err) {
      await stop();
      throw err;
    }
    const stopped = await stop();
    const byNode = new Map(stopped.profile.nodes.map((n) => [n.id, classify(n.callFrame.url, n.callFrame.functionName)]));
    const msBy = new Map<string, number>();
    stopped.profile.samples.forEach((id, i) => {
      const key = byNode.get(id) ?? '?';
      msBy.set(key, (msBy.get(key) ?? 0) + (stopped.profile.timeDeltas[i] ?? 0) / 1000);
    });
    return { result, msBy, profile: stopped.profile };
  }

  close(): void {
    this.socket.close();
  }
}

/** V8's CPU profile (times in µs of the machine's monotonic clock). */
interface CpuProfile {
  nodes: Array<{ id: number; callFrame: { url: string; functionName: string; lineNumber: number; columnNumber: number } }>;
  startTime: number;
  endTime: number;
  samples: number[];
  timeDeltas: number[];
}

/** The constructors that grew most between two summaries: "TreeItem +12.3 MB (+10,000)". */
export function biggestGrowth(before: HeapSummary, after: HeapSummary, top = 8): string {
  return [...after]
    .map(([key, a]) => ({ key, size: a.size - (before.get(key)?.size ?? 0), count: a.count - (before.get(key)?.count ?? 0) }))
    .sort((x, y) => y.size - x.size)
    .slice(0, top)
    .map((g) => `${g.key} ${g.size >= 0 ? '+' : ''}${(g.size / 1e6).toFixed(1)} MB (${g.count >= 0 ? '+' : ''}${g.count.toLocaleString('en-US')})`)
    .join(', ');
}

/** Whether `pid` catches SIGUSR1 (SigCgt in /proc/<pid>/status, bit 10 - 1): Node installs that handler early in its start-up. */
function catchesSigusr1(pid: number): boolean {
  const mask = /^SigCgt:\s*([0-9a-f]+)$/m.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))?.[1];
  return mask !== undefined && (BigInt(`0x${mask}`) & (1n << 9n)) !== 0n;
}

/** The newest extension host process under code-server (`--type=extensionHost` in its command line). */
export function extensionHostPid(codeServerPid: number): number | undefined {
  let best: { pid: number; start: number } | undefined;
  for (const pid of descendants(codeServerPid)) {
    try {
      if (!readFileSync(`/proc/${pid}/cmdline`, 'utf8').includes('--type=extensionHost')) continue;
      const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
      const start = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[19]);
      if (!best || start > best.start) best = { pid, start };
    } catch {
      // gone
    }
  }
  return best?.pid;
}

function descendants(root: number): number[] {
  const children = new Map<number, number[]>();
  for (const d of readdirSync('/proc')) {
    if (!/^\d+$/.test(d)) continue;
    try {
      const stat = readFileSync(`/proc/${d}/stat`, 'utf8');
      const ppid = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
      const list = children.get(ppid) ?? [];
      list.push(Number(d));
      children.set(ppid, list);
    } catch {
      // gone
    }
  }
  const out: number[] = [];
  const queue = [root];
  while (queue.length) {
    const p = queue.shift() as number;
    for (const c of children.get(p) ?? []) {
      out.push(c);
      queue.push(c);
    }
  }
  return out;
}

/** The debugger URL of the inspector answering on the port, if one does. */
function inspectorUrl(): Promise<string | undefined> {
  return fetch(`http://127.0.0.1:${PORT}/json/list`)
    .then((r) => r.json() as Promise<Array<{ webSocketDebuggerUrl?: string }>>)
    .then((targets) => targets[0]?.webSocketDebuggerUrl)
    .catch(() => undefined);
}
