/**
 * The producer's real send pipeline and batch sender over a remoting client that answers every request with a canned
 * SEND_OK in the next macrotask, in one batch per macrotask (as responses read off a loopback socket come): the
 * in-process benches of publish (`publish.bench.ts`, `publish-streams.bench.ts`) share it.
 */
import { Observable, type Subscriber } from 'rxjs';
import { createBatchSender } from '../../src/producer/batch/batch-pipeline.js';
import { resolveOptions } from '../../src/producer/config.js';
import { MQFaultStrategy } from '../../src/producer/fault/mq-fault-strategy.js';
import { Producer } from '../../src/producer/producer.js';
import { createSendRunner, type SendPipelineDeps } from '../../src/producer/send-pipeline.js';
import type { RemotingCommand } from '../../src/remoting/remoting-command.js';
import { topicRouteToPublishInfo } from '../../src/route/topic-publish-info.js';

/** Messages per batch answer (the number of offset ids a batch answer carries). */
export const CANNED_BATCH = 64;
/** The offset message id of every canned answer. */
export const OFFSET_ID = '7F00000100002A9F0000000000001234';
/** The offset ids of a canned batch answer (one per message, comma-separated). */
export const BATCH_OFFSET_IDS = Array.from({ length: CANNED_BATCH }, () => OFFSET_ID).join(',');

const route = topicRouteToPublishInfo('BenchTopic', {
  queueDatas: [{ brokerName: 'broker-a', readQueueNums: 4, writeQueueNums: 4, perm: 6, topicSysFlag: 0 }],
  brokerDatas: [{ cluster: 'C', brokerName: 'broker-a', brokerAddrs: { '0': '127.0.0.1:10911' } }],
  filterServerTable: {},
} as never);

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

/** Options of the bench producer (group `BenchGroup`, topic `BenchTopic` routed to one broker of 4 queues). */
export const options = resolveOptions({ producerGroup: 'BenchGroup', namesrvAddr: '127.0.0.1:9876' });
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
/** The send runner over the canned client. */
export const run = createSendRunner(deps);
/** The batch sender over the canned client. */
export const batchSender = createBatchSender(deps);

/** A started producer without a NameServer: its send pipeline over the canned client (its private start-up fields set here). */
export function cannedProducer(): Producer {
  const producer = new Producer({ producerGroup: 'BenchGroup', namesrvAddr: '127.0.0.1:9876', clientIP: '127.0.0.1' });
  const internals = producer as unknown as { serviceState: string; pipeline: unknown; sendDeps: unknown; batchSender: unknown };
  internals.serviceState = 'RUNNING';
  internals.sendDeps = deps;
  internals.pipeline = run;
  internals.batchSender = batchSender;
  return producer;
}
