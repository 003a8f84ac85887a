/**
 * What a new publish stream costs once the process has run others: N successive `Producer.publish` streams of K
 * messages each, one after the other on one producer, over the canned remoting client of `lib/canned-pipeline.ts` (the
 * producer's real send pipeline and batch sender; every request answered with SEND_OK in the next macrotask). Prints
 * the client's CPU µs per message (all threads: V8's background compiles included) of each stream, so that stream
 * 2, 3, … show what an application that opens many streams (one per job, request or file) pays for each of them.
 * With `--trace-opt`, a `## stream i` line before each stream lets the TurboFan compiles be counted per stream.
 *
 *   npx tsx bench/publish-streams.bench.ts [plain|batched] [streams] [messages-per-stream] [messages-of-stream-1]
 */
import type { Message } from '../src/message/message.js';
import type { PublishOutcome } from '../src/producer/publish/publish.js';
import { pullFrom } from '../src/producer/publish/pull-source.js';
import { CANNED_BATCH as BATCH, cannedProducer } from './lib/canned-pipeline.js';

const body = Buffer.alloc(1024, 0x61);
const producer = cannedProducer();

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
