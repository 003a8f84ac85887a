import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { lastValueFrom, tap, reduce } from 'rxjs';
import type { EmbeddedCluster } from '../../../src/embedded/index.js';
import type { Message } from '../../../src/message/message.js';
import type { Producer } from '../../../src/producer/producer.js';
import { pullFrom } from '../../../src/producer/publish/pull-source.js';
import { SEND_V2, startCluster, startProducer, stopAll, unique } from '../cluster-fixture.js';

const TOTAL = 200_000;
const MAX_IN_FLIGHT = 256;

setFlagsFromString('--expose-gc');
/** A full GC, so heap samples measure what is retained rather than garbage not collected yet. */
const gc = runInNewContext('gc') as () => void;

function retainedHeap(): number {
  gc();
  return process.memoryUsage().heapUsed;
}

describe('producer.publish at volume', () => {
  let cluster: EmbeddedCluster;
  let producer: Producer;
  /** UNIQ_KEYs stored by the brokers, and how often each was stored. */
  const storedIds = new Set<string>();
  let duplicates = 0;
  let storedCount = 0;
  before(async () => {
    // One broker, so that its in-flight count is everything in flight.
    cluster = await startCluster({
      brokers: 1,
      recordRequests: false,
      // Keep the in-process brokers' memory small: the count and the ids come from the callback below.
      maxStoredMessages: 1000,
      onMessageStored: (event) => {
        storedCount += 1;
        const id = event.uniqueId ?? '';
        if (storedIds.has(id)) duplicates += 1;
        else storedIds.add(id);
      },
    });
    producer = await startProducer(cluster, { sendMsgTimeout: 10_000, heartbeatBrokerInterval: 600_000 });
  });
  after(stopAll);

  it(`${TOTAL} messages through publish({ maxInFlight: ${MAX_IN_FLIGHT} }): each stored once, ≤ ${MAX_IN_FLIGHT} in flight at the broker, heap bounded`, { timeout: 180_000 }, async () => {
    const topic = unique('Volume');
    await producer.send({ topic, body: 'route warm-up' });
    storedIds.clear();
    storedCount = 0;
    const broker = cluster.brokers[0]!;
    broker.stats.reset();
    // Each send answered 2 ms late, so requests pile up at the broker as far as the client lets them.
    broker.faults.delay(2, { requestCode: SEND_V2 });
    let pulled = 0;
    let done = 0;
    let maxAhead = 0;
    function* generate(): Generator<Message> {
      for (let i = 0; i < TOTAL; i++) {
        pulled += 1;
        if (pulled - done > maxAhead) maxAhead = pulled - done;
        // ~100-byte bodies: buffering the whole source would cost far more than the bound below.
        yield { topic, body: `message ${i} `.padEnd(100, '.') };
      }
    }
    const baseline = retainedHeap();
    let peak = baseline;
    const result = await lastValueFrom(
      pullFrom(generate()).pipe(
        producer.publish({ maxInFlight: MAX_IN_FLIGHT }),
        tap(() => {
          done += 1;
          if (done % 20_000 === 0) peak = Math.max(peak, retainedHeap());
        }),
        reduce((acc, outcome) => {
          if (outcome.ok) acc.ok += 1;
          else acc.failed += 1;
          acc.indexes.add(outcome.index);
          return acc;
        }, { ok: 0, failed: 0, indexes: new Set<number>() }),
      ),
    );
    assert.equal(result.ok, TOTAL);
    assert.equal(result.failed, 0);
    assert.equal(result.indexes.size, TOTAL, 'one outcome per message');
    assert.equal(storedCount, TOTAL, 'stored once each');
    assert.equal(duplicates, 0);
    assert.equal(storedIds.size, TOTAL);
    const brokerMax = broker.stats.maxSendsInFlight;
    assert.ok(brokerMax <= MAX_IN_FLIGHT, `broker saw ${brokerMax} sends in flight`);
    assert.ok(brokerMax >= MAX_IN_FLIGHT / 2, `broker saw only ${brokerMax} in flight: the limit was not under pressure`);
    assert.ok(maxAhead <= MAX_IN_FLIGHT + 1, `source pulled ${maxAhead} ahead`);
    // The set of 200k stored ids above is itself ~20 MB of this; buffering the source would add ≥ 40 MB more.
    const growth = peak - baseline;
    assert.ok(growth < 48 * 1024 * 1024, `heap grew by ${Math.round(growth / 1024 / 1024)} MiB`);
    console.log(`broker max in flight ${brokerMax}, pulled ahead ${maxAhead}, heap growth ${Math.round(growth / 1024 / 1024)} MiB`);
  });
});
