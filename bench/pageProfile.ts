/**
 * Where one "Load more…" page's time went, in the window and in the extension host, from what
 * `extension.bench.ts` writes for a profiled page (ENTSSO_BENCH_PROFILE_PAGE=3,7):
 *
 *   node --import tsx bench/pageProfile.ts /tmp/entsso-page-7-<pid>.json [...]
 *
 * From the key press ("bench-key" mark) to the page shown ("bench-shown"): the window's main
 * thread (trace events by self time, its tasks, its JavaScript by VS Code source file through
 * code-server's source maps), its WebSocket frames, and the extension host's samples (busy spans
 * and by source file). All timestamps are the machine's monotonic clock, so both processes line up.
 */
import { readFileSync } from 'node:fs';
import { basename, join, resolve } from 'node:path';
import type { CpuProfileData, WindowCapture } from './lib/windowTrace';

const VSCODE_OUT = resolve(__dirname, '..', '.code-server', 'node_modules', 'code-server', 'lib', 'vscode', 'out');
const MAPS: Record<string, string> = {
  'workbench.js': join(VSCODE_OUT, 'vs', 'code', 'browser', 'workbench', 'workbench.js.map'),
  'extensionHostProcess.js': join(VSCODE_OUT, 'vs', 'workbench', 'api', 'node', 'extensionHostProcess.js.map'),
};

// ------------------------------------------------------------------ source maps (VLQ, no library)

interface SourceMap {
  sources: string[];
  names: string[];
  /** Per generated line: columns ascending, and the source and name index (-1: none) at each. */
  lines: Array<{ cols: number[]; src: number[]; name: number[]; line: number[] }>;
}

const B64 = new Map([...'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/'].map((c, i) => [c, i]));
const mapCache = new Map<string, SourceMap | null>();

function loadMap(file: string): SourceMap | null {
  const cached = mapCache.get(file);
  if (cached !== undefined) return cached;
  let map: SourceMap | null;
  try {
    const raw = JSON.parse(readFileSync(file, 'utf8')) as { sources: string[]; names: string[]; mappings: string };
    map = { sources: raw.sources, names: raw.names, lines: decodeMappings(raw.mappings) };
  } catch {
    map = null; // no code-server here: files and functions stay minified
  }
  mapCache.set(file, map);
  return map;
}

function decodeMappings(mappings: string): SourceMap['lines'] {
  const lines: SourceMap['lines'] = [];
  let src = 0;
  let name = 0;
  let srcLine = 0;
  for (const line of mappings.split(';')) {
    const cols: number[] = [];
    const srcs: number[] = [];
    const names: number[] = [];
    const srcLines: number[] = [];
    let col = 0;
    for (const seg of line.split(',')) {
      if (!seg) continue;
      const v = vlq(seg);
      col += v[0] ?? 0;
      if (v.length >= 4) {
        src += v[1] ?? 0;
        srcLine += v[2] ?? 0;
      }
      if (v.length >= 5) name += v[4] ?? 0;
      cols.push(col);
      srcs.push(src);
      names.push(v.length >= 5 ? name : -1);
      srcLines.push(srcLine);
    }
    lines.push({ cols, src: srcs, name: names, line: srcLines });
  }
  return lines;
}

/** The fields of one segment; source line/column deltas are decoded but only the source index is kept. */
function vlq(seg: string): number[] {
  const out: number[] = [];
  let value = 0;
  let shift = 0;
  for (const c of seg) {
    const digit = B64.get(c) ?? 0;
    value += (digit & 31) << shift;
    if (digit & 32) {
      shift += 5;
      continue;
    }
    out.push(value & 1 ? -(value >>> 1) : value >>> 1);
    value = 0;
    shift = 0;
  }
  return out;
}

/** The source file of a profile's call frame: VS Code's own through its map, "this extension", or the V8 pseudo-frames. */
function sourceOf(frame: CpuProfileData['nodes'][number]['callFrame'], withName = false): string {
  const { url, functionName, lineNumber, columnNumber } = frame;
  if (!url) return functionName.startsWith('(') ? functionName : `(native) ${functionName || '?'}`;
  if (url.endsWith('/dist/extension.js')) return 'this extension';
  const mapFile = MAPS[basename(url.split('?')[0] ?? '')];
  const map = mapFile ? loadMap(mapFile) : null;
  const line = map?.lines[lineNumber];
  if (!map || !line || !line.cols.length) return basename(url);
  let lo = 0;
  let hi = line.cols.length - 1;
  while (lo < hi) {
    const mid = (lo + hi + 1) >> 1;
    if ((line.cols[mid] ?? 0) <= columnNumber) lo = mid;
    else hi = mid - 1;
  }
  const file = (map.sources[line.src[lo] ?? 0] ?? '?').replace(/^.*\/src\/vs\//, 'vs/');
  if (!withName) return file;
  const name = line.name[lo] ?? -1;
  return `${file}:${name >= 0 ? map.names[name] : `${functionName || '?'}@${(line.line[lo] ?? 0) + 1}`}`;
}

// ------------------------------------------------------------------ reading

interface Window {
  from: number;
  to: number;
}

const ms = (us: number) => (us / 1000).toFixed(1);

function top(m: Map<string, number>, n: number, total?: number): string {
  return [...m]
    .sort((a, b) => b[1] - a[1])
    .slice(0, n)
    .map(([k, v]) => `    ${ms(v).padStart(7)} ms${total ? ` ${((v / total) * 100).toFixed(0).padStart(3)} %` : ''}  ${k}`)
    .join('\n');
}

/** Sample times (µs) and the source of each sample, within the window. */
function samplesIn(p: CpuProfileData, w: Window): Array<{ t: number; dt: number; source: string }> {
  const byNode = new Map(p.nodes.map((n) => [n.id, sourceOf(n.callFrame)]));
  const out: Array<{ t: number; dt: number; source: string }> = [];
  let t = p.startTime;
  p.samples.forEach((id, i) => {
    t += p.timeDeltas[i] ?? 0;
    const dt = p.timeDeltas[i + 1] ?? 0;
    if (t >= w.from && t < w.to) out.push({ t, dt, source: byNode.get(id) ?? '?' });
  });
  return out;
}

/** For the hottest functions (by self time), the callers they were sampled under (3 frames up). */
function hotChains(p: CpuProfileData, w: Window, n: number): string {
  const parent = new Map<number, number>();
  for (const node of p.nodes as Array<{ id: number; children?: number[] }>) for (const c of node.children ?? []) parent.set(c, node.id);
  const frameOf = new Map(p.nodes.map((x) => [x.id, x.callFrame]));
  const name = (id: number) => {
    const f = frameOf.get(id);
    return f ? sourceOf(f, true) : '?';
  };
  const self = new Map<string, number>();
  const chains = new Map<string, Map<string, number>>();
  let t = p.startTime;
  p.samples.forEach((id, i) => {
    t += p.timeDeltas[i] ?? 0;
    const dt = p.timeDeltas[i + 1] ?? 0;
    if (t < w.from || t >= w.to) return;
    const leaf = name(id);
    if (leaf.startsWith('(idle)') || leaf.startsWith('(program)')) return;
    self.set(leaf, (self.get(leaf) ?? 0) + dt);
    const up: string[] = [];
    for (let c = parent.get(id); c !== undefined && up.length < 3; c = parent.get(c)) up.push(name(c));
    const m = chains.get(leaf) ?? new Map<string, number>();
    m.set(up.join(' < '), (m.get(up.join(' < ')) ?? 0) + dt);
    chains.set(leaf, m);
  });
  return [...self]
    .sort((a, b) => b[1] - a[1])
    .slice(0, n)
    .map(([leaf, v]) => `    ${ms(v).padStart(7)} ms  ${leaf}\n${[...(chains.get(leaf) ?? [])].sort((a, b) => b[1] - a[1]).slice(0, 3).map(([c, x]) => `        ${ms(x)} ms < ${c}`).join('\n')}`)
    .join('\n');
}

/** What a sample of the window or the extension host was doing, by the first marker found on its stack (in this order). */
const PHASES: Array<[RegExp, string]> = [
  [/^\((garbage collector|idle|program)\)$/, '$1'],
  [/abstractTree\.ts:(setState@1685|w@1404|update)/, 'window: sticky scroll re-rendering its ancestor rows'],
  [/abstractTree\.ts:(w@491|_renderIndentGuides)/, 'window: indent guides of rendered rows'],
  [/disposeElement/, 'window: rows taken down (dispose)'],
  [/treeView\.ts:(renderElement|getResourceActions)/, 'window: rows rendered (label, icon, menus, hover)'],
  [/(abstractTree|listWidget|listView)\.ts:renderElement/, 'window: rows rendered (tree part)'],
  [/listView\.ts:(splice|Z@630)/, 'window: list splice (not rendering)'],
  [/(objectTreeModel|indexTreeModel|objectTree)\.ts:/, 'window: tree model splice'],
  [/treeView\.ts:focus|asyncDataTree\.ts:reveal|viewsService\.ts:openView/, 'window: reveal and focus (scroll)'],
  [/(browserSocketFactory|ipc\.net)\.ts|rpcProtocol\.ts/, 'IPC: socket, protocol, JSON'],
  [/mainThreadTreeViews|asyncDataTree/, 'window: tree data (other)'],
  [/^this extension$/, 'this extension'],
  [/extHostTreeViews|extHostCommands/, 'host: VS Code tree items (ExtHostTreeView)'],
  [/zlib|stream_base|node:net|writable|(native) write/, 'host: socket write (deflate)'],
];

function phases(p: CpuProfileData, w: Window): string {
  const parent = new Map<number, number>();
  for (const node of p.nodes as Array<{ id: number; children?: number[] }>) for (const c of node.children ?? []) parent.set(c, node.id);
  const frameOf = new Map(p.nodes.map((x) => [x.id, x.callFrame]));
  const phaseOf = new Map<number, string>();
  const phase = (id: number) => {
    let v = phaseOf.get(id);
    if (v !== undefined) return v;
    const stack: string[] = [];
    for (let c: number | undefined = id; c !== undefined; c = parent.get(c)) {
      const f = frameOf.get(c);
      if (f) stack.push(sourceOf(f, true));
    }
    v = 'other';
    for (const [re, label] of PHASES) {
      const hit = stack.find((x) => re.test(x));
      if (hit) {
        v = label.includes('$1') ? hit : label;
        break;
      }
    }
    phaseOf.set(id, v);
    return v;
  };
  const by = new Map<string, number>();
  let t = p.startTime;
  p.samples.forEach((id, i) => {
    t += p.timeDeltas[i] ?? 0;
    const dt = p.timeDeltas[i + 1] ?? 0;
    if (t >= w.from && t < w.to) by.set(phase(id), (by.get(phase(id)) ?? 0) + dt);
  });
  return top(by, 20, w.to - w.from);
}

/** Inclusive time of each function (VS Code source file:function), over the window's samples: where a phase's time went, callees included. */
function inclusive(p: CpuProfileData, w: Window, n: number): string {
  const parent = new Map<number, number>();
  for (const node of p.nodes as Array<{ id: number; children?: number[] }>) for (const c of node.children ?? []) parent.set(c, node.id);
  const frameOf = new Map(p.nodes.map((x) => [x.id, x.callFrame]));
  const names = new Map<number, string>();
  const name = (id: number) => {
    let v = names.get(id);
    if (v === undefined) {
      const f = frameOf.get(id);
      v = f ? sourceOf(f, true) : '?';
      names.set(id, v);
    }
    return v;
  };
  const total = new Map<string, number>();
  let t = p.startTime;
  p.samples.forEach((id, i) => {
    t += p.timeDeltas[i] ?? 0;
    const dt = p.timeDeltas[i + 1] ?? 0;
    if (t < w.from || t >= w.to) return;
    const seen = new Set<string>();
    for (let c: number | undefined = id; c !== undefined; c = parent.get(c)) seen.add(name(c));
    for (const k of seen) total.set(k, (total.get(k) ?? 0) + dt);
  });
  for (const k of ['(root)', '(idle)', '(program)']) total.delete(k);
  return top(total, n, w.to - w.from);
}

function bySource(samples: Array<{ dt: number; source: string }>): Map<string, number> {
  const m = new Map<string, number>();
  for (const s of samples) m.set(s.source, (m.get(s.source) ?? 0) + s.dt);
  return m;
}

/** Busy spans of a profile (not idle), merged over gaps of ≤ 1 ms, with what took most of each. */
function busySpans(samples: Array<{ t: number; dt: number; source: string }>, w: Window): string {
  const spans: Array<{ from: number; to: number; by: Map<string, number> }> = [];
  for (const s of samples) {
    if (s.source === '(idle)') continue;
    const last = spans[spans.length - 1];
    if (last && s.t - last.to <= 1000) last.to = s.t + s.dt;
    else spans.push({ from: s.t, to: s.t + s.dt, by: new Map() });
    const span = spans[spans.length - 1] as (typeof spans)[number];
    span.by.set(s.source, (span.by.get(s.source) ?? 0) + s.dt);
  }
  return spans
    .filter((s) => s.to - s.from >= 1000)
    .map((s) => `    +${ms(s.from - w.from).padStart(6)} … +${ms(s.to - w.from).padStart(6)} ms (${ms(s.to - s.from)} ms): ${[...s.by].sort((a, b) => b[1] - a[1]).slice(0, 3).map(([k, v]) => `${k} ${ms(v)}`).join(', ')}`)
    .join('\n');
}

type Ev = WindowCapture['events'][number];

/** Complete events (X, and B/E paired) of one thread. */
function completeEvents(events: Ev[]): Array<{ name: string; ts: number; end: number }> {
  const out: Array<{ name: string; ts: number; end: number }> = [];
  const open: Ev[] = [];
  for (const e of [...events].sort((a, b) => a.ts - b.ts)) {
    if (e.ph === 'X' && e.dur !== undefined) out.push({ name: e.name, ts: e.ts, end: e.ts + e.dur });
    else if (e.ph === 'B') open.push(e);
    else if (e.ph === 'E') {
      const b = open.pop();
      if (b) out.push({ name: b.name, ts: b.ts, end: e.ts });
    }
  }
  return out.sort((a, b) => a.ts - b.ts || b.end - a.end);
}

const CATEGORY: Array<[RegExp, string]> = [
  [/GC|Scavenge|MarkCompact|Sweep|Finaliz/i, 'garbage collection'],
  [/^(UpdateLayoutTree|Layout|RecalculateStyles|HitTest|ComputeIntersections|IntersectionObserver|UpdateLayoutTree|ScheduleStyleRecalculation|InvalidateLayout)/, 'style and layout'],
  [/^(Paint|PrePaint|Layerize|UpdateLayer|UpdateLayerTree|CompositeLayers|Commit|PaintImage|Decode|Rasteriz|Animation)/, 'paint and composite'],
  [/^(FunctionCall|EvaluateScript|v8\.|V8\.|RunMicrotasks|TimerFire|FireAnimationFrame|EventDispatch|ParseHTML|XHR|RequestAnimationFrame|FireIdleCallback|TimerInstall|TimerRemove)/, 'script'],
  [/^(RunTask|ThreadControllerImpl::RunTask|ThreadPool|TaskAnnotator|MessageLoop|Scheduler)/, 'task (not further attributed)'],
];

/** Self time of each trace event on the main thread within the window, and its top-level tasks. */
function mainThread(events: Ev[], w: Window): string {
  const list = completeEvents(events).filter((e) => e.end > w.from && e.ts < w.to);
  const self = new Map<string, number>();
  const stack: Array<{ name: string; ts: number; end: number; children: number }> = [];
  const tasks: Array<{ ts: number; end: number; by: Map<string, number> }> = [];
  const clip = (a: number, b: number) => Math.max(0, Math.min(b, w.to) - Math.max(a, w.from));
  const close = (until: number) => {
    while (stack.length && (stack[stack.length - 1] as { end: number }).end <= until) {
      const e = stack.pop() as (typeof stack)[number];
      const own = clip(e.ts, e.end) - e.children;
      self.set(e.name, (self.get(e.name) ?? 0) + own);
      const task = tasks[tasks.length - 1];
      if (task) task.by.set(e.name, (task.by.get(e.name) ?? 0) + own);
      const parent = stack[stack.length - 1];
      if (parent) parent.children += clip(e.ts, e.end);
    }
  };
  for (const e of list) {
    close(e.ts);
    if (!stack.length) tasks.push({ ts: e.ts, end: e.end, by: new Map() });
    stack.push({ ...e, children: 0 });
  }
  close(Number.POSITIVE_INFINITY);
  const busy = tasks.reduce((a, t) => a + clip(t.ts, t.end), 0);
  const cats = new Map<string, number>();
  for (const [name, v] of self) {
    const cat = CATEGORY.find(([re]) => re.test(name))?.[1] ?? `other: ${name}`;
    cats.set(cat, (cats.get(cat) ?? 0) + v);
  }
  const span = w.to - w.from;
  return [
    `  main thread: busy ${ms(busy)} ms of ${ms(span)} ms (idle ${ms(span - busy)} ms)`,
    `  by kind (self time):\n${top(cats, 10, span)}`,
    `  trace events by self time:\n${top(self, 14, span)}`,
    `  its tasks of ≥ 1 ms (from the key):\n${tasks
      .filter((t) => clip(t.ts, t.end) >= 1000)
      .map((t) => `    +${ms(t.ts - w.from).padStart(6)} ms ${ms(clip(t.ts, t.end)).padStart(6)} ms: ${[...t.by].sort((a, b) => b[1] - a[1]).slice(0, 4).map(([k, v]) => `${k} ${ms(v)}`).join(', ')}`)
      .join('\n')}`,
  ].join('\n');
}

function report(file: string): string {
  const { page, window, host } = JSON.parse(readFileSync(file, 'utf8')) as { page: number; window: WindowCapture; host?: CpuProfileData };
  const mark = (name: string) => window.events.find((e) => e.name === name);
  const key = mark('bench-key');
  const shown = mark('bench-shown');
  if (!key || !shown) return `${file}: no bench-key/bench-shown marks in the trace`;
  const w: Window = { from: key.ts, to: shown.ts };
  const gone = mark('bench-gone');
  const main = window.events.filter((e) => e.pid === key.pid && e.tid === key.tid);
  const frames = window.frames.filter((f) => f.t >= w.from - 2000 && f.t <= w.to);
  const bytes = (dir: string) => frames.filter((f) => f.dir === dir).reduce((a, f) => a + f.bytes, 0);
  const wjs = samplesIn(window.profile, w);
  const out = [
    `page ${page}: key → shown ${ms(w.to - w.from)} ms; "Load more…" row gone at +${gone ? ms(gone.ts - w.from) : '?'} ms`,
    `WINDOW (renderer main thread)`,
    mainThread(main, w),
    `  phases (JavaScript profile, each sample by what it was under):\n${phases(window.profile, w)}`,
    `  its JavaScript profile (by VS Code source file, self time):\n${top(bySource(wjs), 16, w.to - w.from)}`,
    `  hottest functions and their callers:\n${hotChains(window.profile, w, 12)}`,
    `  inclusive time (callees included):\n${inclusive(window.profile, w, Number(process.env.TOP ?? 45))}`,
    `  WebSocket frames: ${frames.filter((f) => f.dir === 'out').length} sent (${bytes('out')} B), ${frames.filter((f) => f.dir === 'in').length} received (${bytes('in')} B); those of ≥ 200 B:`,
    frames
      .filter((f) => f.bytes >= 0)
      .map((f) => `    +${ms(f.t - w.from).padStart(6)} ms ${f.dir === 'in' ? '← in ' : '→ out'} ${f.bytes} B`)
      .join('\n'),
  ];
  if (host) {
    const hs = samplesIn(host, w);
    const total = hs.reduce((a, s) => a + s.dt, 0);
    out.push(
      `EXTENSION HOST (profile ${ms(host.startTime - w.from)} … +${ms(host.endTime - w.from)} ms from the key)`,
      `  phases:\n${phases(host, w)}`,
      `  by source file (self time), of ${ms(total)} ms sampled:\n${top(bySource(hs), 16, w.to - w.from)}`,
      `  busy spans (from the key):\n${busySpans(hs, w)}`,
      `  hottest functions and their callers:\n${hotChains(host, w, 8)}`,
      `  inclusive time (callees included):\n${inclusive(host, w, 25)}`,
    );
  }
  return out.join('\n');
}

for (const file of process.argv.slice(2)) process.stdout.write(`${report(file)}\n\n`);
