/**
 * What every client sends: the same topic, group and bodies.
 */

/** Topic of every bench row (auto-created by the broker on first send). */
export const BENCH_TOPIC = 'BenchTopic';
/** Producer group of every bench row. */
export const BENCH_GROUP = 'BenchProducerGroup';

const WORDS = ['order', 'id', 'amount', 'currency', 'EUR', 'status', 'created', 'customer', 'sku', 'quantity', 'price', 'true', 'false'];

/**
 * A deterministic JSON-ish text body of `size` bytes: compresses like typical application payloads (about 3–5×),
 * unlike a run of one byte (which would make the 16 KiB rows measure nothing) or random bytes (which do not compress).
 */
export function makeBody(size: number): Buffer {
  const body = Buffer.allocUnsafe(size);
  let seed = 0x2545f491 ^ size;
  let pos = 0;
  while (pos < size) {
    seed = (Math.imul(seed, 1103515245) + 12345) | 0;
    const word = WORDS[(seed >>> 8) % WORDS.length]!;
    const digits = String((seed >>> 4) & 0xfff);
    const piece = `"${word}":${digits},`;
    pos += body.write(piece, pos, 'latin1');
  }
  return body;
}

/**
 * The V2 header (`SendMessageRequestHeaderV2`, keys `a`…`n`) of a bench send, as the producer writes it: the bench
 * group and topic, UNIQ_KEY + WAIT properties. For the rows that build requests without the producer (raw frames,
 * `invoke$`).
 * @param uniqueId - the message's UNIQ_KEY (from the `createUniqueId` of the tree being measured)
 */
export function benchSendHeader(queueId: number, sysFlag: number, brokerName: string, uniqueId: string): Record<string, string> {
  return {
    a: BENCH_GROUP,
    b: BENCH_TOPIC,
    c: 'TBW102',
    d: '4',
    e: String(queueId),
    f: String(sysFlag),
    g: String(Date.now()),
    h: '0',
    i: `UNIQ_KEY\u0001${uniqueId}\u0002WAIT\u0001true`,
    j: '0',
    k: 'false',
    m: 'false',
    n: brokerName,
  };
}
