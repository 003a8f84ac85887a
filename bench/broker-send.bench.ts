/**
 * The embedded broker's send path alone, without sockets: CPU µs per request for decoding the request frame, the
 * broker's request handler (fault script, counters, checks, properties, the stored records, the offset message ids)
 * and the response frame, the way the broker's server writes it. Two cases, one process:
 * - `single`: SEND_MESSAGE_V2 of 1 KiB (the ceiling row's request), µs per request;
 * - `batch`: SEND_BATCH_MESSAGE of 64 × 1 KiB (the `publish batched` row's request), µs per message.
 * The bench's ceiling and batched rows measure this broker, so what it costs here bounds what the bench can show of a
 * client.
 *
 * With `BROKER_BENCH_ALLOC=1`, one more round reports the bytes allocated on the V8 heap per message (V8's sampling
 * heap profiler, objects already collected included) and its largest allocation sites: what the broker's young
 * generation takes per message is what drives its scavenges, and with a small heap its full collections too.
 *
 *   npx tsx bench/broker-send.bench.ts [requests] [rounds] [single|batch|both]
 */
import { Session } from 'node:inspector/promises';
import { BrokerProcessor } from '../src/embedded/broker-processor.js';
import { FaultInjector } from '../src/embedded/fault-injector.js';
import { MessageStore } from '../src/embedded/message-store.js';
import { createFaultyHandler } from '../src/embedded/request-handler.js';
import { RequestStats } from '../src/embedded/request-stats.js';
import { encodeBatchBody } from '../src/message/batch.js';
import { createUniqueId } from '../src/message/message-id.js';
import { decodeFrame, decodeFramePayload, encodeFrame, encodeFrameHead } from '../src/remoting/frame-codec.js';
import { createRequest, type RemotingCommand } from '../src/remoting/remoting-command.js';
import { RequestCode } from '../src/remoting/request-code.js';
import type { ServerConnection } from '../src/remoting/remoting-server.js';
import { BENCH_GROUP, BENCH_TOPIC, makeBody } from './lib/fixtures.js';
import { encodeCeilingFrame } from './scenarios/ceiling.js';

const requests = Number(process.argv[2] ?? 200_000);
const rounds = Number(process.argv[3] ?? 5);
const which = process.argv[4] ?? 'both';
const BATCH = 64;

const store = new MessageStore('127.0.0.1:10911', 10_000);
const processor = new BrokerProcessor({
  brokerName: 'broker-a',
  clusterName: 'DefaultCluster',
  address: '127.0.0.1:10911',
  version: '4.9',
  autoCreateTopic: true,
  queuesPerTopic: 4,
  maxMessageSize: 4 * 1024 * 1024,
  regionId: 'DefaultRegion',
  traceOn: true,
  rejectTransactionMessage: false,
  store,
  // As the embedded broker sets them: listeners of put messages, none registered.
  onPut: () => {},
  hasPutListeners: () => false,
});
const { handler } = createFaultyHandler(() => processor, new FaultInjector(), new RequestStats(false), 373);

/** What the server does with the handler's answers: raw frames are queued as they are, commands encoded. */
let written: Buffer | null = null;
let sink = 0;
const connection = {
  remoteAddress: '127.0.0.1:53210',
  closed: false,
  write(command: RemotingCommand): boolean {
    const head = encodeFrameHead(command);
    written = head;
    sink += head.length;
    return true;
  },
  writeRaw(bytes: Buffer): boolean {
    written = bytes;
    sink += bytes.length;
    return true;
  },
} as unknown as ServerConnection;

const singleFrames = [0, 1, 2, 3].map((queueId) => encodeCeilingFrame(makeBody(1024), 'broker-a', queueId).frame);

/** The SEND_BATCH_MESSAGE the producer's batcher sends: V2 header with `m` true, records with UNIQ_KEY and WAIT. */
function batchFrame(queueId: number): Buffer {
  const body = makeBody(1024);
  const records = Array.from({ length: BATCH }, () => ({ body, flag: 0, properties: `UNIQ_KEY\u0001${createUniqueId()}\u0002WAIT\u0001true` }));
  const request = createRequest(
    RequestCode.SEND_BATCH_MESSAGE,
    {
      a: BENCH_GROUP,
      b: BENCH_TOPIC,
      c: 'TBW102',
      d: '4',
      e: String(queueId),
      f: '0',
      g: String(Date.now()),
      h: '0',
      i: 'WAIT\u0001true',
      j: '0',
      k: 'false',
      m: 'true',
      n: 'broker-a',
    },
    { body: encodeBatchBody(records), opaque: 1_000_000_000 + queueId },
  );
  return encodeFrame(request);
}
const batchFrames = [0, 1, 2, 3].map(batchFrame);

async function handle(frame: Buffer): Promise<void> {
  const request = decodeFramePayload(frame, 4, frame.length);
  const answer = handler(request, connection);
  // A handler that answers later costs its promise and microtask too.
  const response = (answer instanceof Promise ? await answer : answer) as RemotingCommand | null;
  if (response !== null && response !== undefined) connection.write(response);
}

async function run(frames: Buffer[], count: number): Promise<void> {
  for (let i = 0; i < count; i++) await handle(frames[i & 3]!);
}

/** One request of each kind answered in full: the loop must be measuring SUCCESS responses. */
async function probe(frames: Buffer[]): Promise<void> {
  written = null;
  await handle(frames[0]!);
  if (written === null) throw new Error('the broker wrote no response');
  const response = decodeFrame(written);
  if (response.code !== 0) throw new Error(`broker answered ${response.code}: ${response.remark ?? ''}`);
}

async function measure(name: string, frames: Buffer[], count: number, perRequest: number): Promise<void> {
  await probe(frames);
  await run(frames, Math.min(20_000, count));
  const micros: number[] = [];
  for (let round = 0; round < rounds; round++) {
    const cpu0 = process.cpuUsage();
    await run(frames, count);
    const cpu = process.cpuUsage(cpu0);
    micros.push((cpu.user + cpu.system) / (count * perRequest));
  }
  const median = [...micros].sort((a, b) => a - b)[Math.floor(rounds / 2)]!;
  console.log(
    `broker send path, ${name}: ${median.toFixed(2)} µs CPU per message (median of ${rounds} × ${count} requests; ` +
      `rounds ${micros.map((x) => x.toFixed(2)).join(', ')})${sink === 0 ? '' : ''}`,
  );
  if (process.env.BROKER_BENCH_ALLOC === '1') await measureAllocation(frames, count, count * perRequest);
}

interface HeapNode {
  selfSize: number;
  children: HeapNode[];
  callFrame: { functionName: string; url: string; lineNumber: number };
}

/** One round under the sampling heap profiler: bytes per message, and the largest sites. */
async function measureAllocation(frames: Buffer[], count: number, messages: number): Promise<void> {
  const session = new Session();
  session.connect();
  await session.post('HeapProfiler.startSampling', {
    samplingInterval: 256,
    includeObjectsCollectedByMajorGC: true,
    includeObjectsCollectedByMinorGC: true,
  } as never);
  await run(frames, count);
  const { profile } = (await session.post('HeapProfiler.stopSampling')) as unknown as { profile: { head: HeapNode } };
  session.disconnect();
  const sites = new Map<string, number>();
  let total = 0;
  const visit = (node: HeapNode): void => {
    const frame = node.callFrame;
    const site = `${frame.functionName || '(anonymous)'} ${frame.url.replace(/^.*\/(src|bench|node_modules)\//, '$1/')}:${frame.lineNumber + 1}`;
    sites.set(site, (sites.get(site) ?? 0) + node.selfSize);
    total += node.selfSize;
    for (const child of node.children) visit(child);
  };
  visit(profile.head);
  console.log(`    ${(total / messages).toFixed(0)} B allocated per message on the V8 heap`);
  for (const [site, bytes] of [...sites].sort((a, b) => b[1] - a[1]).slice(0, 12)) {
    if (bytes / messages >= 1) console.log(`    ${(bytes / messages).toFixed(0).padStart(6)} B/msg  ${site}`);
  }
}

if (which === 'single' || which === 'both') await measure('single 1 KiB SEND_MESSAGE_V2', singleFrames, requests, 1);
if (which === 'batch' || which === 'both') {
  await measure(`batch ${BATCH} × 1 KiB SEND_BATCH_MESSAGE`, batchFrames, Math.max(1, Math.round(requests / BATCH)), BATCH);
}
