/**
 * Heap retained per send in flight: the pipeline (remoting client replaced by one that never answers) with N async
 * sends subscribed, measured after a full GC. With thousands of sends in flight this is what every young-generation
 * GC has to copy, so it drives the async path's GC cost.
 *
 *   node --expose-gc --import tsx bench/send-memory.bench.ts        (SNAP=1 also writes /tmp/h.heapsnapshot)
 */
import { Observable } from 'rxjs';
import { resolveOptions } from '../src/producer/config.js';
import { MQFaultStrategy } from '../src/producer/fault/mq-fault-strategy.js';
import { createSendPipeline } from '../src/producer/send-pipeline.js';
import type { RemotingCommand } from '../src/remoting/remoting-command.js';
import { topicRouteToPublishInfo } from '../src/route/topic-publish-info.js';
const route = topicRouteToPublishInfo('BenchTopic', { queueDatas: [{ brokerName: 'broker-a', readQueueNums: 4, writeQueueNums: 4, perm: 6, topicSysFlag: 0 }], brokerDatas: [{ cluster: 'C', brokerName: 'broker-a', brokerAddrs: { '0': '127.0.0.1:10911' } }], filterServerTable: {} } as never);
const held: unknown[] = [];
const client = { invoke$: () => new Observable<RemotingCommand>((s) => { held.push(s); }), invokeOneway: () => Promise.resolve(), closeConnection: () => {} };
const options = resolveOptions({ producerGroup: 'BenchGroup', namesrvAddr: '127.0.0.1:9876' });
const pipeline = createSendPipeline({ options, producerGroup: 'BenchGroup', producerId: 1, clientIP: '127.0.0.1', state: () => 'RUNNING', client, lookupRoute: () => Promise.resolve(route), cachedRoute: () => route, invalidateRoute: () => {}, faultStrategy: new MQFaultStrategy({ sendLatencyFaultEnable: false, latencyMax: options.latencyMax, notAvailableDuration: options.notAvailableDuration, isolationLatencyMillis: 10000 }) });
const body = Buffer.alloc(1024, 0x61);
const gc = (globalThis as { gc?: () => void }).gc!;
const N = 10000;
const subs = [];
const obs = { next() {}, error() {} };
for (let i = 0; i < 200; i++) subs.push(pipeline({ topic: 'BenchTopic', body }, 'async', 3000).subscribe(obs));
await new Promise((r) => setTimeout(r, 50));
gc(); const h0 = process.memoryUsage().heapUsed;
for (let i = 0; i < N; i++) subs.push(pipeline({ topic: 'BenchTopic', body }, 'async', 3000).subscribe(obs));
await new Promise((r) => setTimeout(r, 50));
gc(); const h1 = process.memoryUsage().heapUsed;
console.log(`retained per in-flight send: ${((h1 - h0) / N).toFixed(0)} bytes (${N} sends, 1 KiB body shared)`);
if (process.env.SNAP) (await import('node:v8')).writeHeapSnapshot('/tmp/h.heapsnapshot');
process.exit(0);
