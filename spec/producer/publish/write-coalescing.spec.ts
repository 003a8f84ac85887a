/**
 * `publish` starts the sends of one burst in one synchronous run, so the connection writes their requests to the
 * socket together: the frames each socket write carries are counted on the producer's socket to the broker.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { Socket } from 'node:net';
import { from, lastValueFrom, toArray } from 'rxjs';
import type { EmbeddedCluster } from '../../../src/embedded/index.js';
import type { Message } from '../../../src/message/message.js';
import type { Producer } from '../../../src/producer/producer.js';
import { pullFrom } from '../../../src/producer/publish/pull-source.js';
import { decodeFrame } from '../../../src/remoting/frame-codec.js';
import { SEND_V2, startCluster, startProducer, stopAll, unique } from '../cluster-fixture.js';

const SEND_BATCH = 320;

/** Request codes of the frames in each socket write to `port` while `run` runs (whole frames only). */
async function framesPerWrite(port: number, run: () => Promise<unknown>): Promise<number[][]> {
  const writes: number[][] = [];
  const original = Socket.prototype.write;
  const toChunk = (data: unknown, encoding: unknown): Buffer =>
    Buffer.isBuffer(data) ? data : data instanceof Uint8Array ? Buffer.from(data) : Buffer.from(String(data), encoding as BufferEncoding);
  Socket.prototype.write = function (this: Socket, data: unknown, ...rest: unknown[]) {
    if (this.remotePort === port) {
      const chunk = toChunk(data, typeof rest[0] === 'string' ? rest[0] : 'utf8');
      const codes: number[] = [];
      for (let pos = 0; pos + 4 <= chunk.length; ) {
        const end = pos + 4 + chunk.readInt32BE(pos);
        codes.push(decodeFrame(chunk.subarray(pos, end)).code);
        pos = end;
      }
      writes.push(codes);
    }
    return (original as (...args: unknown[]) => boolean).call(this, data, ...rest);
  } as typeof Socket.prototype.write;
  try {
    await run();
  } finally {
    Socket.prototype.write = original;
  }
  return writes;
}

describe('producer.publish: one socket write per burst', () => {
  let cluster: EmbeddedCluster;
  let producer: Producer;
  let port: number;
  before(async () => {
    cluster = await startCluster({ brokers: 1 });
    producer = await startProducer(cluster);
    port = cluster.brokers[0]!.port;
  });
  after(stopAll);

  it('the requests of a synchronous burst (push source within maxInFlight) go out in one write', async () => {
    const topic = unique('PubBurst');
    await producer.send({ topic, body: 'warm-up' }); // route and connection ready: the burst is all that is written
    const input: Message[] = Array.from({ length: 64 }, (_, i) => ({ topic, body: `m${i}` }));
    const writes = await framesPerWrite(port, () => lastValueFrom(from(input).pipe(producer.publish({ maxInFlight: 64 }), toArray())));
    const sendWrites = writes.filter((codes) => codes.includes(SEND_V2));
    assert.equal(sendWrites.length, 1, `writes: ${JSON.stringify(writes.map((codes) => codes.length))}`);
    assert.equal(sendWrites[0]!.filter((code) => code === SEND_V2).length, 64);
    assert.equal(cluster.messages({ topic }).length, 65);
  });

  it('a pull source refills in bursts: far fewer writes than requests, every request written once', async () => {
    const topic = unique('PubRefill');
    await producer.send({ topic, body: 'warm-up' });
    function* generate(): Generator<Message> {
      for (let i = 0; i < 1024; i++) yield { topic, body: `m${i}` };
    }
    const writes = await framesPerWrite(port, () => lastValueFrom(pullFrom(generate()).pipe(producer.publish({ maxInFlight: 64 }), toArray())));
    const frames = writes.flat().filter((code) => code === SEND_V2).length;
    const sendWrites = writes.filter((codes) => codes.includes(SEND_V2)).length;
    assert.equal(frames, 1024);
    // A refill is at least a quarter of maxInFlight (16 requests), so at most 1024 / 16 + 1 writes.
    assert.ok(sendWrites <= 65, `${sendWrites} writes for 1024 requests`);
    assert.equal(cluster.messages({ topic }).length, 1025);
  });

  it('batched: the batches of one burst go out in one write', async () => {
    const topic = unique('PubBatchBurst');
    await producer.send({ topic, body: 'warm-up' });
    const input: Message[] = Array.from({ length: 256 }, (_, i) => ({ topic, body: `m${i}` }));
    const writes = await framesPerWrite(port, () =>
      lastValueFrom(from(input).pipe(producer.publish({ maxInFlight: 8, batch: { maxMessages: 32, maxDelayMs: 1000 } }), toArray())),
    );
    const batchWrites = writes.filter((codes) => codes.includes(SEND_BATCH));
    assert.equal(batchWrites.length, 1, `writes: ${JSON.stringify(writes)}`);
    assert.equal(batchWrites[0]!.filter((code) => code === SEND_BATCH).length, 8);
    assert.equal(cluster.messages({ topic }).length, 257);
  });
});
