import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { RemotingProtocolError } from '../../src/errors.js';
import { encodeFrame } from '../../src/remoting/frame-codec.js';
import { FrameDecoder } from '../../src/remoting/frame-decoder.js';
import { createRequest, createResponse, SerializeType, type RemotingCommand } from '../../src/remoting/remoting-command.js';
import { goldenFile, goldenFrames } from '../helpers/golden.js';

function decodeAll(decoder: FrameDecoder, chunks: Buffer[]): RemotingCommand[] {
  const out: RemotingCommand[] = [];
  for (const chunk of chunks) decoder.push(chunk, (command) => out.push(command));
  return out;
}

/** Cuts `bytes` at the given (sorted, deduplicated) offsets. */
function split(bytes: Buffer, cuts: number[]): Buffer[] {
  const points = [...new Set(cuts.map((cut) => cut % (bytes.length + 1)))].sort((a, b) => a - b);
  const chunks: Buffer[] = [];
  let from = 0;
  for (const point of points) {
    chunks.push(bytes.subarray(from, point));
    from = point;
  }
  chunks.push(bytes.subarray(from));
  return chunks;
}

/** A stream of several frames of both serializations, with and without bodies, plus the golden captures. */
function sampleStream(): { bytes: Buffer; commands: RemotingCommand[] } {
  const commands: RemotingCommand[] = [
    createRequest(105, { topic: 'TopicTest' }, { opaque: 1 }),
    createRequest(310, { a: 'PG', b: 'Grüße 😀' }, { opaque: 2, body: Buffer.from('Hello') }),
    createRequest(310, { a: 'PG' }, { opaque: 3, serializeType: SerializeType.ROCKETMQ, body: Buffer.alloc(5000, 9) }),
    createResponse({ opaque: 3, serializeType: SerializeType.ROCKETMQ }, 0, { remark: 'ok', extFields: { q: '1' } }),
    createRequest(34, null, { opaque: 4, oneway: true }),
  ];
  const frames = commands.map(encodeFrame);
  for (const name of goldenFrames()) frames.push(goldenFile(name));
  return { bytes: Buffer.concat(frames), commands: [...commands] };
}

describe('FrameDecoder', () => {
  const { bytes } = sampleStream();
  const expected = decodeAll(new FrameDecoder(), [bytes]);

  it('decodes a whole stream in one chunk, bodies as views of the chunk (no copy)', () => {
    assert.ok(expected.length >= 5);
    const third = expected[2]!;
    assert.equal(third.body!.buffer, bytes.buffer, 'body is a view into the received chunk');
  });

  it('byte-by-byte feeding yields the same commands', () => {
    const chunks = Array.from({ length: bytes.length }, (_, i) => bytes.subarray(i, i + 1));
    assert.deepEqual(decodeAll(new FrameDecoder(), chunks), expected);
  });

  it('any random split of the stream yields the same commands (property)', () => {
    fc.assert(
      fc.property(fc.array(fc.nat(), { maxLength: 40 }), (cuts) => {
        assert.deepEqual(decodeAll(new FrameDecoder(), split(bytes, cuts)), expected);
      }),
      { numRuns: 500 },
    );
  });

  it('a truncated stream yields the complete frames and keeps the rest buffered', () => {
    for (let end = 0; end < bytes.length; end += 7) {
      const decoder = new FrameDecoder();
      const out = decodeAll(decoder, [bytes.subarray(0, end)]);
      assert.deepEqual(out, expected.slice(0, out.length));
      assert.ok(decoder.bufferedBytes < bytes.length);
    }
  });

  it('random bytes only ever throw RemotingProtocolError (property)', () => {
    fc.assert(
      fc.property(fc.array(fc.uint8Array({ maxLength: 64 }), { maxLength: 10 }), (arrays) => {
        const decoder = new FrameDecoder(1024);
        for (const array of arrays) {
          try {
            decoder.push(Buffer.from(array), () => {});
          } catch (error) {
            assert.ok(error instanceof RemotingProtocolError, `unexpected ${String(error)}`);
            assert.equal(error.code, 'RMQ_ERR_REMOTING_PROTOCOL');
            return;
          }
        }
      }),
      { numRuns: 2000 },
    );
  });

  it('random bytes behind a valid length prefix only ever throw RemotingProtocolError (property)', () => {
    fc.assert(
      fc.property(fc.uint8Array({ minLength: 4, maxLength: 200 }), fc.boolean(), (payload, binary) => {
        const frame = Buffer.alloc(4 + payload.length);
        frame.writeInt32BE(payload.length, 0);
        frame.set(payload, 4);
        // Point the header-info word at a plausible serialization and length, to reach the header parsers.
        frame.writeUInt8(binary ? 1 : 0, 4);
        frame.writeUIntBE(Math.min(payload.length - 4, frame.readUIntBE(5, 3)), 5, 3);
        try {
          new FrameDecoder().push(frame, () => {});
        } catch (error) {
          assert.ok(error instanceof RemotingProtocolError, `unexpected ${String(error)}`);
        }
      }),
      { numRuns: 3000 },
    );
  });

  it('rejects a 2 GiB length prefix at once, before any payload arrives', () => {
    const decoder = new FrameDecoder();
    const before = process.memoryUsage().arrayBuffers;
    assert.throws(() => decoder.push(Buffer.from([0x7f, 0xff, 0xff, 0xff]), () => {}), RemotingProtocolError);
    assert.ok(process.memoryUsage().arrayBuffers - before < 1024 * 1024, 'nothing of the claimed size was allocated');
    // The decoder stays failed.
    assert.throws(() => decoder.push(encodeFrame(createRequest(1)), () => {}), RemotingProtocolError);
  });

  it('rejects a length prefix that arrives split across chunks just the same', () => {
    const decoder = new FrameDecoder();
    decoder.push(Buffer.from([0x7f, 0xff]), () => {});
    assert.throws(() => decoder.push(Buffer.from([0xff, 0xff]), () => {}), RemotingProtocolError);
  });

  it('rejects negative, too small and oversize lengths; accepts exactly the limit', () => {
    for (const length of [-1, -(2 ** 31), 0, 3]) {
      const prefix = Buffer.alloc(4);
      prefix.writeInt32BE(length);
      assert.throws(() => new FrameDecoder().push(prefix, () => {}), RemotingProtocolError, `length ${length}`);
    }
    const limit = 64;
    const over = Buffer.alloc(4);
    over.writeInt32BE(limit - 3);
    assert.throws(() => new FrameDecoder(limit).push(over, () => {}), RemotingProtocolError);
    // ROCKETMQ header: 21 bytes; 8 + 21 + 35 = 64 bytes, exactly the limit.
    const exact = encodeFrame(createRequest(1, null, { serializeType: SerializeType.ROCKETMQ, body: Buffer.alloc(35) }));
    assert.equal(exact.length, limit);
    assert.equal(decodeAll(new FrameDecoder(limit), [exact]).length, 1);
  });

  it('rejects a header length beyond the frame and an unknown serialize type', () => {
    const frame = Buffer.alloc(12);
    frame.writeInt32BE(8, 0);
    frame.writeInt32BE(100, 4);
    assert.throws(() => new FrameDecoder().push(frame, () => {}), RemotingProtocolError);
    frame.writeInt32BE((7 << 24) | 4, 4);
    assert.throws(() => new FrameDecoder().push(frame, () => {}), RemotingProtocolError);
  });

  it('with onUndecodableFrame, skips a well-framed frame whose header does not decode and goes on', () => {
    const bad = Buffer.from([0, 0, 0, 8, 0x05, 0, 0, 4, 1, 2, 3, 4]); // serialize type 5
    const good = encodeFrame(createRequest(7, null, { opaque: 9 }));
    const skipped: RemotingProtocolError[] = [];
    const decoder = new FrameDecoder(undefined, (error) => skipped.push(error));
    const out: RemotingCommand[] = [];
    const stream = Buffer.concat([bad, good, bad, good]);
    // In one chunk and byte by byte.
    decoder.push(stream, (c) => out.push(c));
    for (let i = 0; i < stream.length; i++) decoder.push(stream.subarray(i, i + 1), (c) => out.push(c));
    assert.deepEqual(out.map((c) => c.opaque), [9, 9, 9, 9]);
    assert.equal(skipped.length, 4);
    assert.ok(skipped.every((e) => e.code === 'RMQ_ERR_REMOTING_PROTOCOL'));
    // A bad length still fails the decoder: the stream cannot be followed past it.
    assert.throws(() => decoder.push(Buffer.from([0, 0, 0, 1]), () => {}), RemotingProtocolError);
  });

  it('emits the good frames that precede bad bytes, then throws', () => {
    const good = encodeFrame(createRequest(1, null, { opaque: 1 }));
    const out: RemotingCommand[] = [];
    assert.throws(
      () => new FrameDecoder().push(Buffer.concat([good, Buffer.from([0xff, 0xff, 0xff, 0xff])]), (c) => out.push(c)),
      RemotingProtocolError,
    );
    assert.equal(out.length, 1);
  });

  it('does not let one frame clobber another when chunks are reused views', () => {
    const first = encodeFrame(createRequest(1, { k: 'a' }, { opaque: 1, body: Buffer.from('AAAA') }));
    const second = encodeFrame(createRequest(1, { k: 'b' }, { opaque: 2, body: Buffer.from('BBBB') }));
    const stream = Buffer.concat([first, second]);
    const out = decodeAll(new FrameDecoder(), split(stream, [first.length - 2]));
    assert.deepEqual(
      out.map((c) => c.body!.toString()),
      ['AAAA', 'BBBB'],
    );
  });
});
