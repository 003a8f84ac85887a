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

/** Feeds each chunk through one buffer that is scribbled over after every call, as a socket's read buffer is. */
function decodeTransient(decoder: FrameDecoder, chunks: Buffer[], size = 65536): RemotingCommand[] {
  const out: RemotingCommand[] = [];
  const reused = Buffer.alloc(size);
  for (const chunk of chunks) {
    for (let from = 0; from < chunk.length; from += size) {
      const length = Math.min(size, chunk.length - from);
      chunk.copy(reused, 0, from, from + length);
      decoder.pushTransient(reused, (command) => out.push(command), length);
      reused.fill(0xee);
    }
  }
  return out;
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

  describe('pushTransient (chunks read into one reused buffer)', () => {
    it('any random split yields the same commands as push, bodies owned (not views of the reused buffer) (property)', () => {
      fc.assert(
        fc.property(fc.array(fc.nat(), { maxLength: 40 }), (cuts) => {
          const out = decodeTransient(new FrameDecoder(), split(bytes, cuts));
          assert.deepEqual(out, expected);
        }),
        { numRuns: 500 },
      );
    });

    it('byte-by-byte, and in reads of a small buffer, yields the same commands', () => {
      const chunks = Array.from({ length: bytes.length }, (_, i) => bytes.subarray(i, i + 1));
      assert.deepEqual(decodeTransient(new FrameDecoder(), chunks), expected);
      assert.deepEqual(decodeTransient(new FrameDecoder(), [bytes], 97), expected);
    });

    it('rejects bad bytes as push does, emitting the frames before them, and stays failed', () => {
      const bad = Buffer.concat([encodeFrame(createRequest(1, null, { opaque: 9 })), Buffer.from([0, 0, 0, 1, 0xff])]);
      const decoder = new FrameDecoder();
      const out: RemotingCommand[] = [];
      assert.throws(() => decoder.pushTransient(bad, (command) => out.push(command)), RemotingProtocolError);
      assert.equal(out.length, 1);
      assert.throws(() => decoder.pushTransient(bytes, () => {}), RemotingProtocolError);
    });
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

  describe('frames larger than a socket chunk (batch-sized and up to a few MiB)', () => {
    // Batch-sized frames (68 KiB), frames around 1 MiB, small ones in between.
    const MIB = 1024 * 1024;
    const sizes = [68 * 1024, 10, 68 * 1024, 300, MIB - 200, 5000, MIB + 1000, 68 * 1024, 0];
    const big = sizes.map((size, i) =>
      createRequest(320, { a: 'PG', i: String(i) }, { opaque: 100 + i, body: size === 0 ? null : Buffer.alloc(size, (i * 37 + 11) & 0xff) }),
    );
    // Distinct bytes inside each body, so that a misplaced chunk cannot go unnoticed.
    for (const command of big) if (command.body !== null) for (let j = 0; j < command.body.length; j += 997) command.body[j] = (j >> 3) & 0xff;
    const frames = big.map(encodeFrame);
    const stream = Buffer.concat(frames);
    const whole = decodeAll(new FrameDecoder(), [stream]);

    it('decodes them byte-exact whatever the chunk split (fuzzed), and counts the partial frame in bufferedBytes', () => {
      assert.equal(whole.length, big.length);
      for (let i = 0; i < big.length; i++) assert.deepEqual(whole[i]!.body ?? null, big[i]!.body);
      fc.assert(
        fc.property(fc.array(fc.integer({ min: 0, max: stream.length }), { maxLength: 60 }), (cuts) => {
          const decoder = new FrameDecoder();
          const out: RemotingCommand[] = [];
          let fed = 0;
          for (const chunk of split(stream, cuts)) {
            decoder.push(chunk, (command) => out.push(command));
            fed += chunk.length;
            const decodedBytes = frames.slice(0, out.length).reduce((sum, frame) => sum + frame.length, 0);
            assert.equal(decoder.bufferedBytes, fed - decodedBytes);
          }
          assert.deepEqual(out, whole);
        }),
        { numRuns: 60 },
      );
    });

    it('socket-like chunks of 64 KiB and odd sizes, and a reset in the middle of a frame', () => {
      for (const step of [65536, 65535, 4093, 16384 + 3]) {
        const chunks: Buffer[] = [];
        for (let from = 0; from < stream.length; from += step) chunks.push(stream.subarray(from, from + step));
        assert.deepEqual(decodeAll(new FrameDecoder(), chunks), whole, `chunks of ${step}`);
        assert.deepEqual(decodeTransient(new FrameDecoder(), [stream], step), whole, `reads of ${step} into one buffer`);
      }
      const decoder = new FrameDecoder();
      decoder.push(stream.subarray(0, 1000), () => {});
      assert.equal(decoder.bufferedBytes, 1000);
      decoder.reset();
      assert.equal(decoder.bufferedBytes, 0);
      assert.deepEqual(decodeAll(decoder, [stream.subarray(0, 50_000), stream.subarray(50_000)]), whole);
    });

    it('a bad header in a frame joined from chunks fails the decoder (or is skipped with onUndecodableFrame)', () => {
      const body = Buffer.alloc(100_000, 1);
      const bad = Buffer.alloc(8 + body.length);
      bad.writeInt32BE(bad.length - 4, 0);
      bad.writeInt32BE(0x05000000 | 4, 4); // unknown serialize type 5
      body.copy(bad, 8);
      const good = encodeFrame(createRequest(1, null, { opaque: 7 }));
      const stream2 = Buffer.concat([bad, good]);
      const parts = [stream2.subarray(0, 30_000), stream2.subarray(30_000, 70_000), stream2.subarray(70_000)];
      assert.throws(() => decodeAll(new FrameDecoder(), parts), RemotingProtocolError);
      const skipped: RemotingProtocolError[] = [];
      const out = decodeAll(new FrameDecoder(undefined, (error) => skipped.push(error)), parts);
      assert.equal(skipped.length, 1);
      assert.deepEqual(out.map((command) => command.opaque), [7]);
    });

    it('a large length prefix allocates nothing of its size until its bytes arrive', () => {
      const decoder = new FrameDecoder();
      const prefix = Buffer.alloc(4);
      prefix.writeInt32BE(15 * 1024 * 1024, 0);
      const before = process.memoryUsage().arrayBuffers;
      decoder.push(Buffer.concat([prefix, Buffer.alloc(100)]), () => {});
      assert.ok(process.memoryUsage().arrayBuffers - before < 4 * 1024 * 1024, 'the claimed 15 MiB were not allocated');
      assert.equal(decoder.bufferedBytes, 104);
    });
  });
});
