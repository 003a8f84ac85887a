/**
 * CPU per request of the two header serializations on the send path, in process (no sockets): the SEND_MESSAGE_V2
 * request head written into a write buffer (as `Connection.enqueueCommand` does) and the broker's SUCCESS answer
 * decoded (as the client's `FrameDecoder` does), JSON vs ROCKETMQ. Also the reference ROCKETMQ encoder
 * (`binaryHeaderLength` + `writeBinaryHeader`, what frames went through before the one-pass writer).
 *
 *   npx tsx bench/header-codec.bench.ts
 */
import { decodeFramePayload, encodeFrame, encodeFrameHeadInto } from '../src/remoting/frame-codec.js';
import { binaryHeaderLength, writeBinaryHeader } from '../src/remoting/header-codec.js';
import { createRequest, createResponse, SerializeType, type RemotingCommand, type SerializeTypeValue } from '../src/remoting/remoting-command.js';
import { RequestCode } from '../src/remoting/request-code.js';

const ITERATIONS = Number(process.env['ITERATIONS'] ?? 400_000);
const ROUNDS = 5;

function sendRequest(serializeType: SerializeTypeValue, opaque: number): RemotingCommand {
  return createRequest(
    RequestCode.SEND_MESSAGE_V2,
    {
      a: 'BenchProducerGroup',
      b: 'BenchTopic',
      c: 'TBW102',
      d: '4',
      e: String(opaque & 3),
      f: '0',
      g: String(1_764_000_000_000 + opaque),
      h: '0',
      i: 'UNIQ_KEY\u00017F00000100002A9F00000000000' + String(10_000 + (opaque % 80_000)) + '\u0002WAIT\u0001true',
      j: '0',
      k: 'false',
      m: 'false',
      n: 'broker-a',
    },
    { opaque, serializeType, body: Buffer.alloc(1024, 0x61) },
  );
}

/** The 4.9.8 broker's SUCCESS answer in each serialization, fields in the order it writes them. */
function sendAnswer(serializeType: SerializeTypeValue): Buffer {
  const extFields =
    serializeType === SerializeType.JSON
      ? { queueId: '2', TRACE_ON: 'true', MSG_REGION: 'DefaultRegion', msgId: '7F00000100002A9F0000000011A264A0', queueOffset: '61508' }
      : { msgId: '7F00000100002A9F0000000011A264A0', queueId: '2', queueOffset: '61508', TRACE_ON: 'true', MSG_REGION: 'DefaultRegion' };
  return encodeFrame(createResponse({ opaque: 123_456, serializeType }, 0, { extFields }));
}

const slab = Buffer.allocUnsafe(64 * 1024);
const requests = {
  json: Array.from({ length: 1024 }, (_, i) => sendRequest(SerializeType.JSON, i + 1)),
  binary: Array.from({ length: 1024 }, (_, i) => sendRequest(SerializeType.ROCKETMQ, i + 1)),
};
let sink = 0;

function cpuMicrosPer(run: (i: number) => void): number {
  const start = process.cpuUsage();
  for (let i = 0; i < ITERATIONS; i++) run(i);
  const used = process.cpuUsage(start);
  return (used.user + used.system) / ITERATIONS;
}

const rows: [string, (i: number) => void][] = [
  [
    'head write, JSON (encodeFrameHeadInto)',
    (i) => {
      sink += encodeFrameHeadInto(requests.json[i & 1023]!, 1024, slab, (i & 63) * 1024);
    },
  ],
  [
    'head write, ROCKETMQ (encodeFrameHeadInto, one pass)',
    (i) => {
      sink += encodeFrameHeadInto(requests.binary[i & 1023]!, 1024, slab, (i & 63) * 1024);
    },
  ],
  [
    'head write, ROCKETMQ reference (byteLength + writeBinaryHeader)',
    (i) => {
      const command = requests.binary[i & 1023]!;
      const at = (i & 63) * 1024;
      const length = binaryHeaderLength(command);
      writeBinaryHeader(command, slab, at + 8);
      slab.writeInt32BE(4 + length + 1024, at);
      slab.writeInt32BE((1 << 24) | length, at + 4);
      sink += length;
    },
  ],
];
const jsonAnswer = sendAnswer(SerializeType.JSON);
const binaryAnswer = sendAnswer(SerializeType.ROCKETMQ);
rows.push(
  [
    `response decode, JSON (${jsonAnswer.length} B frame)`,
    () => {
      sink += decodeFramePayload(jsonAnswer, 4, jsonAnswer.length).opaque;
    },
  ],
  [
    `response decode, ROCKETMQ (${binaryAnswer.length} B frame)`,
    () => {
      sink += decodeFramePayload(binaryAnswer, 4, binaryAnswer.length).opaque;
    },
  ],
);

const results = new Map<string, number[]>();
for (let round = 0; round < ROUNDS; round++) {
  for (const [name, run] of rows) {
    const micros = cpuMicrosPer(run);
    if (round > 0) (results.get(name) ?? results.set(name, []).get(name)!).push(micros);
  }
}
console.log(`CPU µs per operation (median of ${ROUNDS - 1} rounds × ${ITERATIONS} iterations, after a warm-up round):`);
for (const [name, values] of results) {
  values.sort((a, b) => a - b);
  console.log(`  ${values[Math.floor(values.length / 2)]!.toFixed(3).padStart(7)}  ${name}`);
}
if (sink === 0.5) console.log(sink);
