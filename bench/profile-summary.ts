/**
 * Top frames of a V8 `.cpuprofile` (from `node --cpu-prof`): self time per function and inclusive time per
 * function, so BENCHMARKS.md can name where the time goes.
 *
 *   node --cpu-prof --cpu-prof-dir=/tmp/prof --import tsx bench/run.ts --only async --sizes 1k
 *   npx tsx bench/profile-summary.ts /tmp/prof/CPU.*.cpuprofile [top=25]
 */
import { readFileSync } from 'node:fs';

interface ProfileNode {
  id: number;
  callFrame: { functionName: string; url: string; lineNumber: number };
  hitCount?: number;
  children?: number[];
}
interface Profile {
  nodes: ProfileNode[];
  samples: number[];
  timeDeltas: number[];
}

/** `name (file:line)`, with the repository prefix and `file://` dropped. */
function frameName(node: ProfileNode): string {
  const { functionName, url, lineNumber } = node.callFrame;
  const file = url.replace(/^file:\/\//, '').replace(/^.*?\/(src|bench|node_modules)\//, '$1/');
  const name = functionName === '' ? '(anonymous)' : functionName;
  return file === '' ? name : `${name} (${file}:${lineNumber + 1})`;
}

/** The area a frame belongs to, from its file. */
function groupOf(name: string): string {
  if (name === '(garbage collector)' || name === '(idle)' || name === '(program)') return name;
  const file = /\(([^()]*):\d+\)$/.exec(name)?.[1] ?? '';
  const src = /^src\/([^/]+)\//.exec(file);
  if (src !== null) return `src/${src[1]}`;
  if (file.startsWith('node_modules/rxjs/')) return 'rxjs internals';
  if (file.startsWith('node_modules/')) return `node_modules/${file.split('/')[1]}`;
  if (file.startsWith('bench/')) return 'bench harness';
  if (file.startsWith('node:')) return 'node internals (JS)';
  return 'native / V8 builtins';
}

function summarize(path: string, top: number): void {
  const profile = JSON.parse(readFileSync(path, 'utf8')) as Profile;
  const byId = new Map(profile.nodes.map((node) => [node.id, node]));
  const parent = new Map<number, number>();
  for (const node of profile.nodes) for (const child of node.children ?? []) parent.set(child, node.id);
  // Time per sample: the delta to the next sample.
  const selfMicros = new Map<number, number>();
  for (let i = 0; i < profile.samples.length; i++) {
    const id = profile.samples[i]!;
    const dt = profile.timeDeltas[i + 1] ?? 0;
    selfMicros.set(id, (selfMicros.get(id) ?? 0) + dt);
  }
  let total = 0;
  const self = new Map<string, number>();
  const inclusive = new Map<string, number>();
  for (const [id, micros] of selfMicros) {
    total += micros;
    const node = byId.get(id)!;
    const name = frameName(node);
    self.set(name, (self.get(name) ?? 0) + micros);
    // Inclusive: every distinct function on the stack gets the sample once (recursion counted once).
    const seen = new Set<string>();
    for (let at: number | undefined = id; at !== undefined; at = parent.get(at)) {
      const frame = frameName(byId.get(at)!);
      if (seen.has(frame)) continue;
      seen.add(frame);
      inclusive.set(frame, (inclusive.get(frame) ?? 0) + micros);
    }
  }
  // Self time by where the code lives: GC, RxJS internals, each src/ module, Node internals.
  const groups = new Map<string, number>();
  for (const [name, micros] of self) {
    const group = groupOf(name);
    groups.set(group, (groups.get(group) ?? 0) + micros);
  }
  const idle = self.get('(idle)') ?? 0;
  const busy = total - idle;
  const pct = (micros: number): string => `${((100 * micros) / busy).toFixed(1).padStart(5)} %`;
  console.log(`${path}\n  sampled ${(total / 1e6).toFixed(2)} s, busy ${(busy / 1e6).toFixed(2)} s (percentages of busy time)`);
  console.log('  self time by area:');
  for (const [group, micros] of [...groups].filter(([g]) => g !== '(idle)').sort((a, b) => b[1] - a[1])) {
    console.log(`    ${pct(micros)}  ${group}`);
  }
  console.log('  self time:');
  for (const [name, micros] of [...self].filter(([n]) => n !== '(idle)').sort((a, b) => b[1] - a[1]).slice(0, top)) {
    console.log(`    ${pct(micros)}  ${name}`);
  }
  console.log('  inclusive time:');
  const skip = new Set(['(root)', '(idle)', '(program)']);
  for (const [name, micros] of [...inclusive].filter(([n]) => !skip.has(n)).sort((a, b) => b[1] - a[1]).slice(0, top)) {
    console.log(`    ${pct(micros)}  ${name}`);
  }
}

const args = process.argv.slice(2);
const topArg = args.find((a) => a.startsWith('top='));
const top = topArg === undefined ? 25 : Number(topArg.slice(4));
for (const path of args.filter((a) => !a.startsWith('top='))) summarize(path, top);
