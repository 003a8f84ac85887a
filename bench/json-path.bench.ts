/**
 * CPU per operation of the JSON halves of a send, in one process: decoding a send answer's header (4.9 and 5.x
 * field orders), `sendResultOf` on the decoded answer, and encoding a SEND_MESSAGE_V2 frame head into a buffer.
 * Interleaved rounds; with SRC, each tree's code is loaded into this process and the rounds alternate between them.
 *
 *   npx tsx bench/json-path.bench.ts [--ops 500000] [--rounds 5]
 *   SRC=/path/to/other/checkout/src,src npx tsx bench/json-path.bench.ts [--only encode]
 */
import { resolve as resolvePath } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import type * as FrameCodecModule from '../src/remoting/frame-codec.js';
import type * as RemotingCommandModule from '../src/remoting/remoting-command.js';
import type * as ToSendResultModule from '../src/producer/operators/to-send-result.js';

const args = process.argv.slice(2);
const option = (name: string, fallback: number): number => {
  const at = args.indexOf(`--${name}`);
  return at >= 0 ? Number(args[at + 1]) : fallback;
};
const OPS = option('ops', 500_000);
const ROUNDS = option('rounds', 5);
const sources = (process.env.SRC ?? fileURLToPath(new URL('../src/', import.meta.url))).split(',');

const ANSWER_49 =
  '{"code":0,"extFields":{"queueId":"0","TRACE_ON":"true","MSG_REGION":"DefaultRegion","msgId":"7F00000100002A9F0000000011A264A0","queueOffset":"61508"},"flag":1,"language":"JAVA","opaque":1004,"serializeTypeCurrentRPC":"JSON","version":409}';
const ANSWER_5X =
  '{"code":0,"extFields":{"queueId":"3","transactionId":"C000020209615FFD2B270241C0440000","msgId":"7F000001000051AF0000000000A223B2","TRACE_ON":"true","MSG_REGION":"DefaultRegion","queueOffset":"1050"},"flag":1,"language":"JAVA","opaque":2,"serializeTypeCurrentRPC":"JSON","version":479}';

/** A header-only frame of `header`, inside a larger chunk as the socket delivers it. */
function frameOf(header: string): Buffer {
  const bytes = Buffer.from(header);
  const frame = Buffer.alloc(8 + bytes.length);
  frame.writeInt32BE(4 + bytes.length, 0);
  frame.writeInt32BE(bytes.length, 4);
  bytes.copy(frame, 8);
  return frame;
}

let sink: unknown;

async function setup(dir: string): Promise<Record<string, () => void>> {
  const src = pathToFileURL(resolvePath(dir) + '/');
  const load = async <T>(path: string): Promise<T> => (await import(new URL(path, src).href)) as T;
  const { decodeFrame, encodeFrameHeadInto } = await load<typeof FrameCodecModule>('remoting/frame-codec.ts');
  const { createRequest } = await load<typeof RemotingCommandModule>('remoting/remoting-command.ts');
  const { sendResultOf } = await load<typeof ToSendResultModule>('producer/operators/to-send-result.ts');
  const frame49 = frameOf(ANSWER_49);
  const frame5x = frameOf(ANSWER_5X);
  const decoded = decodeFrame(frame49);
  const attempt = { topic: 'BenchTopic', uniqueId: 'C0A8000230391B6D358647B760000000', brokerName: 'broker-a', brokerAddr: '127.0.0.1:10911' };
  const deps = { namespace: null, retryResponseCodes: new Set<number>() };
  const target = Buffer.allocUnsafe(64 * 1024);
  const born = String(Date.now());
  const request = createRequest(310, {
    a: 'BenchGroup',
    b: 'BenchTopic',
    c: 'TBW102',
    d: '4',
    e: '1',
    f: '0',
    g: born,
    h: '0',
    i: 'TAGS\u0001TagA\u0002KEYS\u0001order-1\u0002UNIQ_KEY\u0001C0A8000230391B6D358647B760000000\u0002WAIT\u0001true',
    j: '0',
    k: 'false',
    m: 'false',
    n: 'broker-a',
  });
  return {
    'decode 4.9 send answer': () => void (sink = decodeFrame(frame49)),
    'decode 5.x send answer': () => void (sink = decodeFrame(frame5x)),
    'sendResultOf': () => void (sink = sendResultOf(decoded, attempt, deps)),
    'encode V2 request head': () => void (sink = encodeFrameHeadInto(request, 1024, target, 0)),
  };
}

function cpuPerOp(task: () => void, ops: number): number {
  const started = process.cpuUsage();
  for (let i = 0; i < ops; i++) task();
  const used = process.cpuUsage(started);
  return ((used.user + used.system) * 1000) / ops;
}

const median = (values: number[]): number => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)]!;
const trees = await Promise.all(sources.map(async (dir) => ({ dir, tasks: await setup(dir) })));
const only = args.includes('--only') ? args[args.indexOf('--only') + 1]! : '';
const names = Object.keys(trees[0]!.tasks).filter((name) => name.includes(only));
const results = trees.map(() => new Map<string, number[]>(names.map((name) => [name, []])));
for (const tree of trees) for (const name of names) cpuPerOp(tree.tasks[name]!, OPS / 5);
for (let round = 0; round < ROUNDS; round++) {
  for (const name of names) {
    trees.forEach((tree, t) => results[t]!.get(name)!.push(cpuPerOp(tree.tasks[name]!, OPS)));
  }
}
console.log(`CPU per operation, ${OPS} operations, ${ROUNDS} interleaved rounds (median, min; ns)`);
trees.forEach((tree, t) => {
  console.log(tree.dir);
  for (const name of names) {
    const values = results[t]!.get(name)!;
    console.log(`  ${name.padEnd(26)} median ${median(values).toFixed(0).padStart(5)}  min ${Math.min(...values).toFixed(0).padStart(5)}  (${values.map((v) => v.toFixed(0)).join(' / ')})`);
  }
});
void sink;
