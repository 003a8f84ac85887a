/**
 * No import cycles in `src/`: not between files (type-only imports and re-exports count: a cycle of types still ties
 * two files into one unit), and not between rooms (the top-level folders of `src/`, whose imports point one way:
 * producer → route → remoting → errors, message → errors, embedded → remoting/route/message). Types two rooms share
 * go into a file both import.
 *
 * The graph comes from TypeScript's own pre-processor (static imports, `export … from`, `import type`, `import()`),
 * with relative specifiers resolved the NodeNext way (`./x.js` is `./x.ts`).
 */
import assert from 'node:assert/strict';
import { existsSync, readFileSync, readdirSync } from 'node:fs';
import { dirname, join, relative, resolve, sep } from 'node:path';
import { describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import ts from 'typescript';

const src = join(dirname(fileURLToPath(import.meta.url)), '..', 'src');

type Graph = Map<string, string[]>;

function sourceFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) return sourceFiles(path);
    return entry.name.endsWith('.ts') && !entry.name.endsWith('.d.ts') ? [path] : [];
  });
}

/** `./x.js` → `./x.ts` (NodeNext), `./x.ts` stays; anything else is kept as written. */
function resolveRelative(from: string, specifier: string): string {
  const written = resolve(dirname(from), specifier);
  const asTs = written.replace(/\.([cm]?)js$/, '.$1ts');
  return existsSync(asTs) ? asTs : written;
}

/** File → the files of `src/` it imports (any kind of import). A relative import that resolves to nothing fails. */
function fileGraph(): Graph {
  const graph: Graph = new Map();
  for (const file of sourceFiles(src)) {
    const { importedFiles } = ts.preProcessFile(readFileSync(file, 'utf8'), true, true);
    const targets = importedFiles
      .map((ref) => ref.fileName)
      .filter((specifier) => specifier.startsWith('.'))
      .map((specifier) => {
        const target = resolveRelative(file, specifier);
        assert.ok(existsSync(target), `${relative(src, file)} imports ${specifier}, which does not exist`);
        return target;
      })
      .filter((target) => target.endsWith('.ts'));
    graph.set(file, [...new Set(targets)]);
  }
  return graph;
}

/** The room of a file: its top-level folder under `src/`, or the file itself when it sits at the top. */
function roomOf(file: string): string {
  const [head] = relative(src, file).split(sep);
  return head!;
}

function roomGraph(files: Graph): Graph {
  const rooms: Graph = new Map();
  for (const [file, targets] of files) {
    const from = roomOf(file);
    const edges = new Set(rooms.get(from) ?? []);
    for (const target of targets) if (roomOf(target) !== from) edges.add(roomOf(target));
    rooms.set(from, [...edges]);
  }
  return rooms;
}

/** Strongly connected components with more than one node, or with a self-loop (Tarjan). */
function cycles(graph: Graph): string[][] {
  let counter = 0;
  const index = new Map<string, number>();
  const low = new Map<string, number>();
  const stack: string[] = [];
  const onStack = new Set<string>();
  const found: string[][] = [];
  const visit = (node: string): void => {
    index.set(node, counter);
    low.set(node, counter);
    counter += 1;
    stack.push(node);
    onStack.add(node);
    for (const next of graph.get(node) ?? []) {
      if (!graph.has(next)) continue;
      if (!index.has(next)) {
        visit(next);
        low.set(node, Math.min(low.get(node)!, low.get(next)!));
      } else if (onStack.has(next)) {
        low.set(node, Math.min(low.get(node)!, index.get(next)!));
      }
    }
    if (low.get(node) !== index.get(node)) return;
    const component: string[] = [];
    let member: string;
    do {
      member = stack.pop()!;
      onStack.delete(member);
      component.push(member);
    } while (member !== node);
    if (component.length > 1 || graph.get(node)!.includes(node)) found.push(component.sort());
  };
  for (const node of graph.keys()) if (!index.has(node)) visit(node);
  return found;
}

/** Each member of a cycle with the imports that keep it in the cycle, for the failure message. */
function describeCycle(graph: Graph, component: string[], name: (node: string) => string): string {
  return component
    .map((node) => `${name(node)} → ${graph.get(node)!.filter((next) => component.includes(next)).map(name).join(', ')}`)
    .join('; ');
}

describe('import graph of src/', () => {
  const files = fileGraph();

  it('sees the imports (the resolver is not blind)', () => {
    const producer = files.get(join(src, 'producer', 'producer.ts'))!;
    assert.ok(producer.includes(join(src, 'producer', 'send-options.ts')), 'import type is an edge');
    assert.ok(files.get(join(src, 'index.ts'))!.includes(join(src, 'producer', 'producer.ts')), 'export … from is an edge');
    assert.ok(files.size > 50);
  });

  it('finds a cycle when there is one', () => {
    const graph: Graph = new Map([['a', ['b']], ['b', ['c']], ['c', ['a']], ['d', ['a']]]);
    assert.deepEqual(cycles(graph), [['a', 'b', 'c']]);
    assert.deepEqual(cycles(new Map([['a', ['a']]])), [['a']]);
    assert.deepEqual(cycles(new Map([['a', ['b']], ['b', []]])), []);
  });

  it('has no cycle between files', () => {
    const name = (file: string): string => relative(src, file);
    assert.deepEqual(cycles(files).map((c) => describeCycle(files, c, name)), []);
  });

  it('has no cycle between rooms (top-level folders)', () => {
    const rooms = roomGraph(files);
    assert.deepEqual(cycles(rooms).map((c) => describeCycle(rooms, c, (room) => room)), []);
  });
});
