/**
 * What a new publish stream costs once the process has run others: N successive `Producer.publish` streams of K
 * messages each, one after the other on one producer, over the canned remoting client of `publish.bench.ts` (the
 * producer's real send pipeline and batch sender; every request answered with SEND_OK in the next macrotask). Prints
 * the client's CPU µs per message (all threads: V8's background compiles included) of each stream, so that stream
 * 2, 3, … show what an application that opens many streams (one per job, request or file) pays for each of them.
 * With `--trace-opt`, a `## stream i` line before each stream lets the TurboFan compiles be counted per stream.
 *
 *   npx tsx bench/publish-streams.bench.ts [plain|batched] [streams] [messages-per-stream] [messages-of-stream-1]
 */
import { Observable, type Subscriber } from 'rxjs';
import type { Message } from '../src/message/message.js';
import { createBatchSender } from '../src/producer/batch/batch-pipeline.js';
import { resolveOptions } from '../src/producer/config.js';
import { MQFaultStrategy } from '../src/producer/fault/mq-fault-strategy.js';
import { Producer } from '../src/producer/producer.js';
import type { PublishOutcome } from '../src/producer/publish/publish.js';
import { pullFrom } from '../src/producer/publish/pull-source.js';
import { createSendRunner, type SendPipelineDeps } from '../src/producer/send-pipeline.js';
import type { RemotingCommand } from '../src/remoting/remoting-command.js';
import { topicRouteToPublishInfo } from '../src/route/topic-publish-info.js';

const BATCH = 64;

const route = topicRouteToPublishInfo('BenchTopic', {
  queueDatas: [{ brokerName: 'broker-a', readQueueNums: 4, writeQueueNums: 4, perm: 6, topicSysFlag: 0 }],
  brokerDatas: [{ cluster: 'C', brokerName: 'broker-a', brokerAddrs: { '0': '127.0.0.1:10911' } }],
  filterServerTable: {},
} as never);

const OFFSET_ID = '7F00000100002A9F0000000000001234';
const BATCH_OFFSET_IDS = Array.from({ length: BATCH }, () => OFFSET_ID).join(',');

// Requests answered in the next macrotask, in batches, like responses read off a socket.
let pending: { opaque: number; batch: boolean; subscriber: Subscriber<RemotingCommand> }[] = [];
function answer(): void {
  const current = pending;
  pending = [];
  for (const { opaque, batch, subscriber } of current) {
    subscriber.next({
      code: 0,
      language: 'JAVA',
      version: 409,
      opaque,
      flag: 1,
      remark: null,
      extFields: { msgId: batch ? BATCH_OFFSET_IDS : OFFSET_ID, queueId: '1', queueOffset: '7', MSG_REGION: 'DefaultRegion', TRACE_ON: 'true' },
      serializeType: 0,
      body: null,
    });
    subscriber.complete();
  }
}
const client = {
  invoke$: (_addr: string, request: RemotingCommand) =>
    new Observable<RemotingCommand>((subscriber) => {
      if (pending.length === 0) setImmediate(answer);
      pending.push({ opaque: request.opaque, batch: request.code === 320, subscriber });
    }),
  invokeOneway: () => Promise.resolve(),
  closeConnection: () => {},
};

const options = resolveOptions({ producerGroup: 'BenchGroup', namesrvAddr: '127.0.0.1:9876' });
const deps: SendPipelineDeps = {
  options,
  producerGroup: 'BenchGroup',
  producerId: 1,
  clientIP: '127.0.0.1',
  state: () => 'RUNNING',
  client,
  lookupRoute: () => Promise.resolve(route),
  cachedRoute: () => route,
  invalidateRoute: () => {},
  faultStrategy: new MQFaultStrategy({ sendLatencyFaultEnable: false, latencyMax: options.latencyMax, notAvailableDuration: options.notAvailableDuration, isolationLatencyMillis: 10000 }),
};
const run = createSendRunner(deps);
const batchSender = createBatchSender(deps);
const body = Buffer.alloc(1024, 0x61);
// A started producer without a NameServer: its send pipeline over the canned client (bench only).
const producer = new Producer({ producerGroup: 'BenchGroup', namesrvAddr: '127.0.0.1:9876', clientIP: '127.0.0.1' });
{
  const internals = producer as unknown as { serviceState: string; pipeline: unknown; sendDeps: unknown; batchSender: unknown };
  internals.serviceState = 'RUNNING';
  internals.sendDeps = deps;
  internals.pipeline = run;
  internals.batchSender = batchSender;
}


const MODE = process.argv[2] === 'batched' ? 'batched' : 'plain';
const STREAMS = Number(process.argv[3] ?? 6);
const PER_STREAM = Number(process.argv[4] ?? 20_000);
/** Messages of stream 1 (default: as many as the others); a long first stream leaves only the per-stream cost in the next ones. */
const FIRST_STREAM = Number(process.argv[5] ?? PER_STREAM);

function* counted(count: number): Generator<Message> {
  for (let i = 0; i < count; i++) yield { topic: 'BenchTopic', body };
}

function oneStream(count: number): Promise<number> {
  const publishOptions = MODE === 'batched' ? { maxInFlight: 8, batch: { maxMessages: BATCH } } : { maxInFlight: 512 };
  return new Promise((resolve, reject) => {
    let outcomes = 0;
    pullFrom(counted(count))
      .pipe(producer.publish(publishOptions))
      .subscribe({
        next: (outcome: PublishOutcome) => {
          if (!outcome.ok) reject(outcome.error);
          outcomes++;
        },
        error: reject,
        complete: () => resolve(outcomes),
      });
  });
}

const perStream: string[] = [];
for (let i = 1; i <= STREAMS; i++) {
  console.log(`## stream ${i}`);
  const cpu0 = process.cpuUsage();
  const t0 = performance.now();
  const count = i === 1 ? FIRST_STREAM : PER_STREAM;
  const outcomes = await oneStream(count);
  const cpu = process.cpuUsage(cpu0);
  const ms = performance.now() - t0;
  if (outcomes !== count) throw new Error(`stream ${i}: ${outcomes} outcomes of ${count}`);
  perStream.push(((cpu.user + cpu.system) / count).toFixed(2));
  console.log(`stream ${i}: ${((cpu.user + cpu.system) / count).toFixed(2)} µs CPU/msg, ${ms.toFixed(0)} ms`);
}
console.log(`${MODE} ${FIRST_STREAM}, then ${PER_STREAM}/stream µs CPU/msg: ${perStream.join(' ')}`);
