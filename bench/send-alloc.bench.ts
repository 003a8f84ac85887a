/**
 * Bytes allocated per async send by the pipeline alone (remoting client answers at once with a canned SEND_OK),
 * measured with V8's sampling heap profiler counting objects that minor/major GCs already collected.
 *
 *   npx tsx bench/send-alloc.bench.ts [sends] [window]
 */
import { Session } from 'node:inspector/promises';
import { Observable } from 'rxjs';
import type { Subscriber } from 'rxjs';
import { resolveOptions } from '../src/producer/config.js';
import { MQFaultStrategy } from '../src/producer/fault/mq-fault-strategy.js';
import { createSendPipeline } from '../src/producer/send-pipeline.js';
import type { RemotingCommand } from '../src/remoting/remoting-command.js';
import { topicRouteToPublishInfo } from '../src/route/topic-publish-info.js';

const N = Number(process.argv[2] ?? 20000);
const WINDOW = Number(process.argv[3] ?? 512);
const route = topicRouteToPublishInfo('BenchTopic', { queueDatas: [{ brokerName: 'broker-a', readQueueNums: 4, writeQueueNums: 4, perm: 6, topicSysFlag: 0 }], brokerDatas: [{ cluster: 'C', brokerName: 'broker-a', brokerAddrs: { '0': '127.0.0.1:10911' } }], filterServerTable: {} } as never);
let pending: { request: RemotingCommand; subscriber: Subscriber<RemotingCommand> }[] = [];
const ext = { msgId: '7F00000100002A9F0000000000000000', queueId: '0', queueOffset: '1', MSG_REGION: 'DefaultRegion', TRACE_ON: 'true' };
const client = {
  invoke$: (_addr: string, request: RemotingCommand) => new Observable<RemotingCommand>((subscriber) => { pending.push({ request, subscriber }); }),
  invokeOneway: () => Promise.resolve(),
  closeConnection: () => {},
};
const options = resolveOptions({ producerGroup: 'BenchGroup', namesrvAddr: '127.0.0.1:9876' });
const pipeline = createSendPipeline({ options, producerGroup: 'BenchGroup', producerId: 1, clientIP: '127.0.0.1', state: () => 'RUNNING', client, lookupRoute: () => Promise.resolve(route), cachedRoute: () => route, invalidateRoute: () => {}, faultStrategy: new MQFaultStrategy({ sendLatencyFaultEnable: false, latencyMax: options.latencyMax, notAvailableDuration: options.notAvailableDuration, isolationLatencyMillis: 10000 }) });
const body = Buffer.alloc(1024, 0x61);
const obs = { next() {}, error(e: unknown) { throw e; } };
function answerAll(): void {
  const current = pending;
  pending = [];
  for (const { request, subscriber } of current) {
    subscriber.next({ code: 0, language: 'JAVA', version: 409, opaque: request.opaque, flag: 1, remark: null, extFields: { ...ext }, serializeType: 0, body: null } as unknown as RemotingCommand);
    subscriber.complete();
  }
}
function run(count: number): void {
  for (let i = 0; i < count; i += WINDOW) {
    for (let j = 0; j < WINDOW && i + j < count; j++) pipeline({ topic: 'BenchTopic', body }, 'async', 3000).subscribe(obs);
    answerAll();
  }
}
run(20000);
const session = new Session();
session.connect();
await session.post('HeapProfiler.startSampling', { samplingInterval: 256, includeObjectsCollectedByMajorGC: true, includeObjectsCollectedByMinorGC: true } as never);
run(N);
const { profile } = (await session.post('HeapProfiler.stopSampling')) as { profile: { head: Node } };
type Node = { selfSize: number; children: Node[]; callFrame: { functionName: string; url: string; lineNumber: number } };
let total = 0;
const byFn = new Map<string, number>();
(function walk(node: Node): void {
  total += node.selfSize;
  const key = `${node.callFrame.functionName || '(anon)'} ${node.callFrame.url.split('/').slice(-2).join('/')}:${node.callFrame.lineNumber}`;
  byFn.set(key, (byFn.get(key) ?? 0) + node.selfSize);
  for (const child of node.children) walk(child);
})(profile.head);
console.log(`allocated per async send: ${(total / N).toFixed(0)} bytes (${N} sends, ${WINDOW} in flight, canned responses)`);
if (process.env.TOP) for (const [k, v] of [...byFn].sort((a, b) => b[1] - a[1]).slice(0, Number(process.env.TOP))) console.log(`${(v / N).toFixed(0).padStart(7)}  ${k}`);
process.exit(0);
