/**
 * No import cycles in src/: a cycle means two modules cannot be understood, tested or moved apart,
 * and it hides which one is the lower layer. eslint-plugin-import (import/no-cycle) is not a
 * dependency of the project, so this test builds the import graph itself and reports every
 * strongly connected component. Type-only imports count too: they tie the modules' meaning together
 * just as much, even though the compiler erases them.
 */
import assert from 'node:assert/strict';
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, relative, resolve, sep } from 'node:path';
import { test } from 'node:test';

const srcRoot = join(__dirname, '..', '..', 'src');

/** `import … from 'x'`, `import 'x'`, `export … from 'x'`, `import('x')`, `require('x')`. */
const SPECIFIER_PATTERNS = [
  /\b(?:import|export)\s+(?:type\s+)?[^'";]*?\bfrom\s*['"]([^'"]+)['"]/g,
  /\bimport\s*['"]([^'"]+)['"]/g,
  /\b(?:import|require)\s*\(\s*['"]([^'"]+)['"]\s*\)/g,
];

function typeScriptFilesUnder(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) return typeScriptFilesUnder(path);
    return path.endsWith('.ts') && !path.endsWith('.d.ts') ? [path] : [];
  });
}

function withoutComments(source: string): string {
  return source.replace(/\/\*[\s\S]*?\*\//g, ' ').replace(/^\s*\/\/.*$/gm, ' ');
}

function importSpecifiers(source: string): string[] {
  const text = withoutComments(source);
  return SPECIFIER_PATTERNS.flatMap((pattern) => [...text.matchAll(pattern)].map((m) => m[1]));
}

/** The project file a relative specifier names, or undefined for packages and node built-ins. */
function resolveProjectFile(fromFile: string, specifier: string): string | undefined {
  if (!specifier.startsWith('.')) return undefined;
  const base = resolve(dirname(fromFile), specifier).replace(/\.js$/, '');
  return [`${base}.ts`, join(base, 'index.ts')].find((candidate) => existsSync(candidate));
}

type ImportGraph = Map<string, string[]>;

function importGraphOf(root: string): ImportGraph {
  const graph: ImportGraph = new Map();
  for (const file of typeScriptFilesUnder(root)) {
    const targets = importSpecifiers(readFileSync(file, 'utf8'))
      .map((specifier) => resolveProjectFile(file, specifier))
      .filter((target): target is string => target !== undefined);
    graph.set(file, [...new Set(targets)]);
  }
  return graph;
}

/** Tarjan's algorithm; returns the components with more than one module, or a module importing itself. */
function importCycles(graph: ImportGraph): string[][] {
  let nextIndex = 0;
  const index = new Map<string, number>();
  const lowLink = new Map<string, number>();
  const stack: string[] = [];
  const onStack = new Set<string>();
  const cycles: string[][] = [];

  const visit = (node: string): void => {
    index.set(node, nextIndex);
    lowLink.set(node, nextIndex);
    nextIndex++;
    stack.push(node);
    onStack.add(node);
    for (const next of graph.get(node) ?? []) {
      if (!index.has(next)) {
        visit(next);
        lowLink.set(node, Math.min(lowLink.get(node)!, lowLink.get(next)!));
      } else if (onStack.has(next)) {
        lowLink.set(node, Math.min(lowLink.get(node)!, index.get(next)!));
      }
    }
    if (lowLink.get(node) !== index.get(node)) return;
    const component: string[] = [];
    let member: string;
    do {
      member = stack.pop()!;
      onStack.delete(member);
      component.push(member);
    } while (member !== node);
    if (component.length > 1 || (graph.get(node) ?? []).includes(node)) cycles.push(component.sort());
  };

  for (const node of [...graph.keys()].sort()) if (!index.has(node)) visit(node);
  return cycles;
}

/** One import path around the component, e.g. `a.ts -> b.ts -> a.ts`, so the report shows where to cut. */
function describeCycle(graph: ImportGraph, component: string[]): string {
  const members = new Set(component);
  const start = component[0];
  const path = [start];
  const seen = new Set([start]);
  let current = start;
  for (;;) {
    const inComponent = (graph.get(current) ?? []).filter((next) => members.has(next));
    const next = inComponent.includes(start) && path.length > 1 ? start : inComponent.find((n) => !seen.has(n)) ?? start;
    path.push(next);
    if (next === start) break;
    seen.add(next);
    current = next;
  }
  const name = (file: string) => relative(srcRoot, file).split(sep).join('/');
  const others = component.length > path.length - 1 ? ` (component of ${component.length}: ${component.map(name).join(', ')})` : '';
  return path.map(name).join(' -> ') + others;
}

/**
 * The graph between sibling folders (src/ssoService/mss and src/ssoService/service, src/views and
 * src/commands): a module cycle can be cut and still leave two folders that each need the other,
 * so neither is the lower layer. A folder and the folders inside it are one unit here (daemon.ts
 * composes src/ssoService/mss, which may use src/ssoService/rateLimitedLog.ts).
 */
function siblingFolderGraph(graph: ImportGraph, root: string): { folders: ImportGraph; witness: Map<string, string> } {
  const folders: ImportGraph = new Map();
  const witness = new Map<string, string>();
  const partsOf = (file: string) => relative(root, dirname(file)).split(sep).filter(Boolean);
  for (const [from, targets] of graph) {
    for (const to of targets) {
      const edge = siblingFolderEdge(partsOf(from), partsOf(to));
      if (!edge) continue;
      const [a, b] = edge;
      if (!folders.has(a)) folders.set(a, []);
      if (!folders.get(a)!.includes(b)) folders.get(a)!.push(b);
      if (!witness.has(`${a} ${b}`)) witness.set(`${a} ${b}`, `${relative(root, from)} imports ${relative(root, to)}`);
    }
  }
  return { folders, witness };
}

/** The two sibling folders an import crosses, or undefined when it stays in a folder or goes to its parent or child. */
function siblingFolderEdge(from: string[], to: string[]): [string, string] | undefined {
  let common = 0;
  while (common < from.length && common < to.length && from[common] === to[common]) common++;
  if (common === from.length || common === to.length) return undefined;
  return [from.slice(0, common + 1).join('/'), to.slice(0, common + 1).join('/')];
}

test('import specifiers: every form is found, comments are not', () => {
  const source = [
    "import { a } from './a';",
    "import type { B } from '../b';",
    "import {\n  c,\n  type D,\n} from './cd';",
    "export { e } from './e';",
    "export * from './f';",
    "import './g';",
    "const h = await import('./h');",
    "const i = require('./i');",
    "// import { z } from './commented';",
    "/* import { y } from './blockCommented'; */",
  ].join('\n');
  assert.deepEqual(importSpecifiers(source).sort(), ['../b', './a', './cd', './e', './f', './g', './h', './i']);
});

test('the cycle finder reports a cycle of three and a self-import, not a diamond', () => {
  const graph: ImportGraph = new Map([
    ['a', ['b']], ['b', ['c']], ['c', ['a']],
    ['self', ['self']],
    ['top', ['left', 'right']], ['left', ['bottom']], ['right', ['bottom']], ['bottom', []],
  ]);
  assert.deepEqual(importCycles(graph), [['a', 'b', 'c'], ['self']]);
});

test('src/ has no import cycle (type-only imports included)', () => {
  const graph = importGraphOf(srcRoot);
  assert.ok(graph.size > 50, `only ${graph.size} modules found under ${srcRoot}`);
  const cycles = importCycles(graph).map((component) => describeCycle(graph, component));
  assert.deepEqual(cycles, [], `import cycles in src/ (move the shared type or constant down into a module both may import):\n${cycles.join('\n')}`);
});

test('sibling folders: only imports between folders of one parent count, at that level', () => {
  assert.deepEqual(siblingFolderEdge(['ssoService', 'mss'], ['ssoService', 'service']), ['ssoService/mss', 'ssoService/service']);
  assert.deepEqual(siblingFolderEdge(['cli', 'verbs'], ['ssoService', 'ssodb']), ['cli', 'ssoService']);
  assert.equal(siblingFolderEdge(['ssoService', 'mss'], ['ssoService']), undefined);
  assert.equal(siblingFolderEdge(['ssoService'], ['ssoService', 'mss']), undefined);
  assert.equal(siblingFolderEdge([], ['views']), undefined);
  assert.equal(siblingFolderEdge(['views'], ['views']), undefined);
});

test('src/ has no cycle between sibling folders (e.g. ssoService/mss <-> ssoService/service)', () => {
  const { folders, witness } = siblingFolderGraph(importGraphOf(srcRoot), srcRoot);
  assert.ok(folders.size > 5, `only ${folders.size} folders import from a sibling folder under ${srcRoot}`);
  const cycles = importCycles(folders).map((component) => {
    const edges = component.flatMap((a) => (folders.get(a) ?? []).filter((b) => component.includes(b)).map((b) => `  ${a} -> ${b}: ${witness.get(`${a} ${b}`)}`));
    return `${component.join(' <-> ')}\n${edges.join('\n')}`;
  });
  assert.deepEqual(cycles, [], `folder cycles in src/ (move the shared type or constant down into the lower folder):\n${cycles.join('\n')}`);
});
