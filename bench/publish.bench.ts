/**
 * Cost of `publish()` on top of the send pipeline, without sockets: the producer's real send pipeline and batch
 * sender over a remoting client that answers every request with a canned SEND_OK response in the next macrotask
 * (as a broker on loopback would). Rows, each CPU µs per message after a warm-up round:
 *
 * - `send$ per message`: one cold Observable per message subscribed by one Subscriber, a window in flight (what
 *   `sendAsync` does, minus its callback object),
 * - `publish`: the same messages from a pull source through `publishOperator`,
 * - `publish, sendInto`: the same through a target that also offers `sendInto` (no Observable per send),
 * - `publish batched`: 64 per batch, `maxInFlight` window / 64 batches,
 * - `Producer.sendAsync` / `Producer.publish` / `Producer.publish batched`: the producer's own entry points (a
 *   `Producer` whose send pipeline runs over the same canned client; its private start-up fields set by this bench),
 *   driven as the end-to-end rows drive them: `sendAsync` with a callback object per send and a window of 512,
 *   `publish` over a generator, with and without batches of 64 (the producer's `batchSend$` and in-flight count),
 * - `publish bookkeeping`: `publish` over a target whose sends are answered with a canned `SendResult` in the
 *   next macrotask (no pipeline): the operator's and the pull source's own cost per message,
 * - `batch encode`: `prepareBatchItem` per message plus `encodeBatchItems` per 64 (no send),
 * - `batch fan-out`: `fanOutBatchResult` per 64.
 *
 * With `PUBLISH_BENCH_ALLOC=1`, each row also reports the bytes allocated per message (V8's sampling heap
 * profiler, counting objects the GCs already collected; slower, so CPU figures of such a run do not count), and
 * with `PUBLISH_BENCH_SITES=1` as well, its largest allocation sites.
 *
 *   npx tsx bench/publish.bench.ts [seconds-per-case] [window]
 */
import { Session } from 'node:inspector/promises';
import { Observable, Subscriber } from 'rxjs';
import type { Message, SendResult } from '../src/message/message.js';
import { prepareBatchItem, encodeBatchItems } from '../src/producer/batch/batch-message.js';
import type { BatchItem } from '../src/producer/batch/batch-message.js';
import { fanOutBatchResult } from '../src/producer/batch/batch-pipeline.js';
import { publishOperator, type PublishOutcome, type PublishTarget } from '../src/producer/publish/publish.js';
import { pullFrom } from '../src/producer/publish/pull-source.js';
import type { SendOptions } from '../src/producer/send-options.js';
import { BATCH_OFFSET_IDS, batchSender, CANNED_BATCH, cannedProducer, OFFSET_ID, options, run } from './lib/canned-pipeline.js';

const SECONDS = Number(process.argv[2] ?? 2);
const WINDOW = Number(process.argv[3] ?? 512);
const BATCH = CANNED_BATCH;

// What Producer gives publish (without its in-flight tracking, which sendAsync pays too).
const target: PublishTarget = {
  options: { maxMessageSize: options.maxMessageSize, sendMsgTimeout: options.sendMsgTimeout },
  send$: (message: Message, sendOptions?: SendOptions) =>
    new Observable<SendResult>((subscriber) => run(message, 'async', sendOptions?.timeout ?? 3000, subscriber)),
  batchSend$: (items, mode, timeoutMillis) => batchSender(items, mode, timeoutMillis ?? 3000),
};
const intoTarget: PublishTarget = {
  ...target,
  sendInto: (message, sendOptions, subscriber) => run(message, 'async', sendOptions.timeout ?? 3000, subscriber),
};
// Sends that are only answered: what publish itself costs per message.
const CANNED: SendResult = {
  sendStatus: 'SEND_OK',
  msgId: OFFSET_ID,
  offsetMsgId: OFFSET_ID,
  messageQueue: { topic: 'BenchTopic', brokerName: 'broker-a', queueId: 1 },
  queueOffset: 7,
  regionId: 'DefaultRegion',
  traceOn: true,
} as SendResult;
let answers: Subscriber<SendResult>[] = [];
const answerAll = (): void => {
  const current = answers;
  answers = [];
  for (const subscriber of current) {
    subscriber.next(CANNED);
    subscriber.complete();
  }
};
const cannedTarget: PublishTarget = {
  ...target,
  send$: () =>
    new Observable<SendResult>((subscriber) => {
      if (answers.length === 0) setImmediate(answerAll);
      answers.push(subscriber);
    }),
};
const body = Buffer.alloc(1024, 0x61);

function* messages(stop: () => boolean): Generator<Message> {
  while (!stop()) yield { topic: 'BenchTopic', body };
}

class Counter extends Subscriber<SendResult> {
  constructor(private readonly done: () => void) {
    super();
  }
  override next(): void {
    this.done();
  }
  override error(error: unknown): void {
    throw error;
  }
}

/**
 * Keeps WINDOW sends in flight until `stop()`: `startOne(settled, fail)` starts one send, which calls `settled` once
 * it is in; resolves when the last one is in, rejects on `fail`.
 */
function inWindow(
  stop: () => boolean,
  done: () => void,
  startOne: (settled: () => void, fail: (error: unknown) => void) => void,
): Promise<void> {
  return new Promise((resolve, reject) => {
    let inflight = 0;
    const start = (): void => {
      inflight++;
      startOne(settled, reject);
    };
    const settled = (): void => {
      inflight--;
      done();
      if (!stop()) start();
      else if (inflight === 0) resolve();
    };
    for (let i = 0; i < WINDOW; i++) start();
  });
}

function sendPerMessage(stop: () => boolean, done: () => void): Promise<void> {
  return inWindow(stop, done, (settled) => {
    target.send$({ topic: 'BenchTopic', body }, { mode: 'async' }).subscribe(new Counter(settled));
  });
}

const producer = cannedProducer();

function producerSendAsync(stop: () => boolean, done: () => void): Promise<void> {
  return inWindow(stop, done, (settled, fail) => {
    producer.sendAsync({ topic: 'BenchTopic', body }, { onSuccess: () => settled(), onException: fail });
  });
}

/** Drains `outcomes` (each one `done()`), rejecting on the first failed outcome. */
function drainOutcomes(outcomes: Observable<PublishOutcome>, done: () => void): Promise<void> {
  return new Promise((resolve, reject) => {
    outcomes.subscribe({
      next: (outcome) => {
        if (!outcome.ok) reject(outcome.error);
        done();
      },
      error: reject,
      complete: resolve,
    });
  });
}

function producerPublish(stop: () => boolean, done: () => void): Promise<void> {
  return drainOutcomes(pullFrom(messages(stop)).pipe(producer.publish({ maxInFlight: WINDOW })), done);
}

/** `Producer.publish` with batching: the producer's `batchSend$` (its in-flight count included) over the canned client. */
function producerPublishBatched(stop: () => boolean, done: () => void): Promise<void> {
  const options = { maxInFlight: Math.max(1, WINDOW / BATCH), batch: { maxMessages: BATCH } };
  return drainOutcomes(pullFrom(messages(stop)).pipe(producer.publish(options)), done);
}

function publishRow(batch: boolean, through = target) {
  const publishOptions = batch ? { maxInFlight: Math.max(1, WINDOW / BATCH), batch: { maxMessages: BATCH } } : { maxInFlight: WINDOW };
  return (stop: () => boolean, done: () => void): Promise<void> =>
    drainOutcomes(pullFrom(messages(stop)).pipe(publishOperator(through, publishOptions)), done);
}

/** `prepareBatchItem` per message and `encodeBatchItems` per batch. */
async function batchEncode(stop: () => boolean, done: () => void): Promise<void> {
  let index = 0;
  const prepareOptions = { maxMessageSize: options.maxMessageSize };
  while (!stop()) {
    const items: BatchItem[] = [];
    for (let i = 0; i < BATCH; i++) items.push(prepareBatchItem({ topic: 'BenchTopic', body }, index++, prepareOptions));
    encodeBatchItems(items);
    for (let i = 0; i < BATCH; i++) done();
    if (index % (BATCH * 64) === 0) await new Promise(setImmediate);
  }
}

async function batchFanOut(stop: () => boolean, done: () => void): Promise<void> {
  const items: BatchItem[] = [];
  for (let i = 0; i < BATCH; i++) items.push(prepareBatchItem({ topic: 'BenchTopic', body }, i, { maxMessageSize: options.maxMessageSize }));
  const result: SendResult = {
    sendStatus: 'SEND_OK',
    msgId: items.map((item) => item.uniqueId).join(','),
    offsetMsgId: BATCH_OFFSET_IDS,
    messageQueue: { topic: 'BenchTopic', brokerName: 'broker-a', queueId: 1 },
    queueOffset: 7,
    regionId: 'DefaultRegion',
    traceOn: true,
  } as SendResult;
  let n = 0;
  while (!stop()) {
    fanOutBatchResult(result, items);
    for (let i = 0; i < BATCH; i++) done();
    if (++n % 256 === 0) await new Promise(setImmediate);
  }
}

const ALLOC = process.env.PUBLISH_BENCH_ALLOC === '1';
const session = ALLOC ? new Session() : null;
session?.connect();

interface HeapNode {
  selfSize: number;
  children: HeapNode[];
  callFrame: { functionName: string; url: string; lineNumber: number };
}
/** With `PUBLISH_BENCH_SITES=1`: the allocation sites of a row, bytes per message, largest first. */
function printSites(head: HeapNode, count: number): void {
  const sites = new Map<string, number>();
  const visit = (node: HeapNode): void => {
    const frame = node.callFrame;
    const site = `${frame.functionName || '(anonymous)'} ${frame.url.replace(/^.*\/(src|bench|node_modules)\//, '$1/')}:${frame.lineNumber + 1}`;
    sites.set(site, (sites.get(site) ?? 0) + node.selfSize);
    for (const child of node.children) visit(child);
  };
  visit(head);
  for (const [site, bytes] of [...sites].sort((a, b) => b[1] - a[1]).slice(0, 15)) {
    if (bytes / count >= 1) console.log(`    ${(bytes / count).toFixed(0).padStart(6)} B/msg  ${site}`);
  }
}
function heapTotal(node: HeapNode): number {
  let total = node.selfSize;
  for (const child of node.children) total += heapTotal(child);
  return total;
}

const perRow = new Map<string, number[]>();
async function measure(name: string, drive: (stop: () => boolean, done: () => void) => Promise<void>): Promise<void> {
  for (const measured of [false, true]) {
    let count = 0;
    const ms = measured ? SECONDS * 1000 : 500;
    if (measured && session !== null) {
      await session.post('HeapProfiler.startSampling', {
        samplingInterval: 256,
        includeObjectsCollectedByMajorGC: true,
        includeObjectsCollectedByMinorGC: true,
      } as never);
    }
    const t0 = performance.now();
    const cpu0 = process.cpuUsage();
    await drive(() => performance.now() - t0 > ms, () => count++);
    const cpu = process.cpuUsage(cpu0);
    const elapsed = (performance.now() - t0) / 1000;
    let allocated = '';
    if (measured && session !== null) {
      const { profile } = (await session.post('HeapProfiler.stopSampling')) as unknown as { profile: { head: HeapNode } };
      allocated = `  ${(heapTotal(profile.head) / count).toFixed(0).padStart(6)} B allocated/msg`;
      if (process.env.PUBLISH_BENCH_SITES === '1') printSites(profile.head, count);
    }
    if (measured) {
      perRow.set(name, [...(perRow.get(name) ?? []), (cpu.user + cpu.system) / count]);
      console.log(
        `${name.padEnd(28)} ${(count / elapsed).toFixed(0).padStart(8)} msgs/s  ${((cpu.user + cpu.system) / count).toFixed(2).padStart(6)} µs CPU/msg${allocated}`,
      );
    }
  }
}

// Row name prefixes, '|'-separated (row names contain commas).
const only = process.env.PUBLISH_BENCH_ONLY?.split('|');
const cases: [string, (stop: () => boolean, done: () => void) => Promise<void>][] = [
  [`send$ per message, ${WINDOW}`, sendPerMessage],
  [`publish, ${WINDOW}`, publishRow(false)],
  [`publish, sendInto, ${WINDOW}`, publishRow(false, intoTarget)],
  [`Producer.sendAsync, ${WINDOW}`, producerSendAsync],
  [`Producer.publish, ${WINDOW}`, producerPublish],
  [`Producer.publish batched ${BATCH}×${Math.max(1, WINDOW / BATCH)}`, producerPublishBatched],
  [`publish bookkeeping, ${WINDOW}`, publishRow(false, cannedTarget)],
  [`publish batched ${BATCH}×${Math.max(1, WINDOW / BATCH)}`, publishRow(true)],
  [`batch encode ×${BATCH}`, batchEncode],
  [`batch fan-out ×${BATCH}`, batchFanOut],
];
// With `PUBLISH_BENCH_ROUNDS=n`, the selected rows run n times, interleaved, and the median of each is printed.
const rounds = Number(process.env.PUBLISH_BENCH_ROUNDS ?? 1);
for (let round = 0; round < rounds; round++) {
  for (const [name, drive] of cases) {
    if (only !== undefined && !only.some((word) => name.startsWith(word))) continue;
    await measure(name, drive);
  }
}
if (rounds > 1) {
  for (const [name, values] of perRow) {
    const sorted = [...values].sort((a, b) => a - b);
    console.log(`median of ${rounds}: ${name.padEnd(28)} ${sorted[sorted.length >> 1]!.toFixed(2)} µs CPU/msg`);
  }
}
session?.disconnect();
