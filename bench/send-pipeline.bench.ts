/**
 * Cost of the producer's send pipeline alone (validate → … → toSendResult, retries, timers), without sockets: the
 * remoting client is replaced by one that answers every request with a canned SEND_OK response in the next
 * macrotask, as a broker on loopback would. Reports sends/s and CPU µs per send, one send at a time and with a
 * window of sends in flight, after warm-up rounds.
 *
 *   npx tsx bench/send-pipeline.bench.ts [seconds-per-case] [window]
 */
import { Observable, firstValueFrom } from 'rxjs';
import type { Subscriber } from 'rxjs';
import type { Message } from '../src/message/message.js';
import { resolveOptions } from '../src/producer/config.js';
import { MQFaultStrategy } from '../src/producer/fault/mq-fault-strategy.js';
import { createSendPipeline } from '../src/producer/send-pipeline.js';
import type { RemotingCommand } from '../src/remoting/remoting-command.js';
import { topicRouteToPublishInfo } from '../src/route/topic-publish-info.js';

const SECONDS = Number(process.argv[2] ?? 2);
const WINDOW = Number(process.argv[3] ?? 1024);

const route = topicRouteToPublishInfo('BenchTopic', {
  queueDatas: [{ brokerName: 'broker-a', readQueueNums: 4, writeQueueNums: 4, perm: 6, topicSysFlag: 0 }],
  brokerDatas: [{ cluster: 'C', brokerName: 'broker-a', brokerAddrs: { '0': '127.0.0.1:10911' } }],
  filterServerTable: {},
} as never);

// Requests answered in the next macrotask, in batches, like responses read off a socket.
let batch: { opaque: number; subscriber: Subscriber<RemotingCommand> }[] = [];
function answer(): void {
  const current = batch;
  batch = [];
  for (const { opaque, subscriber } of current) {
    subscriber.next({
      code: 0,
      language: 'JAVA',
      version: 409,
      opaque,
      flag: 1,
      remark: null,
      extFields: { msgId: '7F00000100002A9F0000000000001234', queueId: '1', queueOffset: '7', MSG_REGION: 'DefaultRegion', TRACE_ON: 'true' },
      serializeType: 0,
      body: null,
    });
    subscriber.complete();
  }
}
const client = {
  invoke$: (_addr: string, request: RemotingCommand) =>
    new Observable<RemotingCommand>((subscriber) => {
      if (batch.length === 0) setImmediate(answer);
      batch.push({ opaque: request.opaque, subscriber });
    }),
  invokeOneway: () => Promise.resolve(),
  closeConnection: () => {},
};

const options = resolveOptions({ producerGroup: 'BenchGroup', namesrvAddr: '127.0.0.1:9876' });
const pipeline = createSendPipeline({
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
});
const message: Message = { topic: 'BenchTopic', body: Buffer.alloc(1024, 0x61) };

async function sequential(stop: () => boolean, done: () => void): Promise<void> {
  while (!stop()) {
    await firstValueFrom(pipeline(message, 'sync', 3000));
    done();
  }
}

function windowed(stop: () => boolean, done: () => void): Promise<void> {
  return new Promise((resolve) => {
    let inflight = 0;
    const start = (): void => {
      inflight++;
      pipeline(message, 'async', 3000).subscribe({
        next: () => {},
        error: (error: unknown) => {
          throw error;
        },
        complete: () => {
          inflight--;
          done();
          if (!stop()) start();
          else if (inflight === 0) resolve();
        },
      });
    };
    for (let i = 0; i < WINDOW; i++) start();
  });
}

async function run(name: string, drive: (stop: () => boolean, done: () => void) => Promise<void>): Promise<void> {
  for (const measured of [false, true]) {
    let count = 0;
    const ms = measured ? SECONDS * 1000 : 500;
    const t0 = performance.now();
    const cpu0 = process.cpuUsage();
    const heap0 = process.memoryUsage().heapUsed;
    await drive(() => performance.now() - t0 > ms, () => count++);
    const cpu = process.cpuUsage(cpu0);
    const elapsed = (performance.now() - t0) / 1000;
    if (measured) {
      const heap = (process.memoryUsage().heapUsed - heap0) / 1024 / 1024;
      console.log(
        `${name.padEnd(24)} ${(count / elapsed).toFixed(0).padStart(8)} sends/s  ${((cpu.user + cpu.system) / count).toFixed(2).padStart(6)} µs CPU/send  heap Δ ${heap.toFixed(1)} MiB`,
      );
    }
  }
}

await run('sync, one at a time', sequential);
await run(`async, ${WINDOW} in flight`, windowed);
