/**
 * Streaming frame decoder: turns a TCP byte stream, split anywhere, into remoting commands.
 *
 * A frame that arrives inside one chunk is decoded in place: its body is a `subarray` view of that chunk, never a
 * copy. Only a frame that straddles chunks is joined, once, into a buffer of its exact size, and only after all its
 * bytes have arrived, so a hostile length prefix never makes us allocate what it claims.
 */
import { RemotingProtocolError } from '../errors.js';
import { DEFAULT_MAX_FRAME_BYTES, decodeFramePayload } from './frame-codec.js';
import type { RemotingCommand } from './remoting-command.js';

/**
 * Streaming decoder of remoting frames: `push()` the socket's chunks as they come (split anywhere); it calls back
 * with the command of every frame they complete. A bad frame (length prefix out of range, bad header) throws a
 * `RemotingProtocolError` (`RMQ_ERR_REMOTING_PROTOCOL`), and the decoder stays failed: the stream has lost its framing.
 *
 * @example
 * ```ts
 * const decoder = new FrameDecoder();
 * socket.on('data', (chunk: Buffer) => decoder.push(chunk, (command) => console.log(command.code, command.opaque)));
 * ```
 */
export class FrameDecoder {
  /** Largest accepted frame, length prefix included (Java: `4 + length ≤ 16 MiB`). */
  readonly maxFrameBytes: number;
  private chunks: Buffer[] = [];
  private buffered = 0;
  /** Size of the frame being assembled from `chunks` (prefix included), or -1 while its prefix is incomplete. */
  private frameSize = -1;
  private failed: RemotingProtocolError | null = null;
  private readonly onUndecodableFrame: ((error: RemotingProtocolError) => void) | null;

  /**
   * @param maxFrameBytes - largest accepted frame, length prefix included. @defaultValue 16 MiB
   * @param onUndecodableFrame - called for a frame whose length is valid but whose header does not decode (unknown
   *   serialize type, header length past the frame, bad JSON or binary header); the frame is skipped and decoding
   *   goes on, since the stream is still in step. Without it such a frame fails the decoder like a bad length does.
   */
  constructor(maxFrameBytes: number = DEFAULT_MAX_FRAME_BYTES, onUndecodableFrame?: (error: RemotingProtocolError) => void) {
    this.maxFrameBytes = maxFrameBytes;
    this.onUndecodableFrame = onUndecodableFrame ?? null;
  }

  /** Bytes received but not yet decoded. */
  get bufferedBytes(): number {
    return this.buffered;
  }

  /**
   * Feeds a chunk; calls `emit` for every command completed by it, in order. Throws {@link RemotingProtocolError}
   * (after emitting the commands that preceded the bad bytes) when the stream is not valid; once that happened the
   * decoder stays failed and every later call throws the same error.
   */
  push(chunk: Buffer, emit: (command: RemotingCommand) => void): void {
    if (this.failed !== null) throw this.failed;
    if (chunk.length === 0) return;
    if (this.buffered === 0) {
      this.decodeContiguous(chunk, emit);
      return;
    }
    this.chunks.push(chunk);
    this.buffered += chunk.length;
    if (this.frameSize < 0) {
      if (this.buffered < 4) return;
      this.frameSize = this.checkedFrameSize(this.peekLength());
    }
    if (this.buffered < this.frameSize) return;

    // The frame in progress is complete: join exactly its bytes, keep what follows as a view of the last chunk.
    const frame = Buffer.allocUnsafe(this.frameSize);
    let copied = 0;
    let rest: Buffer | null = null;
    for (const part of this.chunks) {
      const take = Math.min(part.length, this.frameSize - copied);
      part.copy(frame, copied, 0, take);
      copied += take;
      if (take < part.length) {
        rest = part.subarray(take);
        break;
      }
    }
    this.chunks = [];
    this.buffered = 0;
    this.frameSize = -1;
    const command = this.decode(frame, 4, frame.length);
    if (command !== null) emit(command);
    if (rest !== null) this.decodeContiguous(rest, emit);
  }

  /**
   * {@link FrameDecoder.push} for a chunk whose bytes are only valid during the call (a socket's reusable read
   * buffer): the commands it emits own their bodies (a body is copied out of the chunk; a send's answer has none),
   * and bytes kept for a frame still incomplete are copied too. The same commands, in the same order, and the same
   * errors as {@link FrameDecoder.push} of that chunk.
   * @param chunk - holds the bytes read in `chunk[0, length)`
   * @param emit - called with each command completed by them, in order, during the call
   * @param length - how many bytes of `chunk` were read. @defaultValue `chunk.length`
   * @example
   * ```ts
   * const decoder = new FrameDecoder();
   * net.connect({ host, port, onread: { buffer: Buffer.alloc(65536), callback: (n, buffer) => {
   *   decoder.pushTransient(buffer as Buffer, (command) => console.log(command.code), n);
   *   return true;
   * } } });
   * ```
   */
  pushTransient(chunk: Buffer, emit: (command: RemotingCommand) => void, length: number = chunk.length): void {
    if (this.failed !== null) throw this.failed;
    if (length === 0) return;
    if (this.buffered !== 0) {
      // Joining a frame that straddles reads: the copy is what `push` keeps and decodes from.
      this.push(Buffer.from(chunk.subarray(0, length)), emit);
      return;
    }
    this.decodeContiguous(chunk, emit, true, length);
  }

  /** Drops any partial frame (used when the connection is reset). */
  reset(): void {
    this.chunks = [];
    this.buffered = 0;
    this.frameSize = -1;
    this.failed = null;
  }

  /** Decodes the whole frames at the start of `buffer`, keeps the rest; `transient`: see {@link FrameDecoder.pushTransient}. */
  private decodeContiguous(buffer: Buffer, emit: (command: RemotingCommand) => void, transient = false, end = buffer.length): void {
    let pos = 0;
    while (end - pos >= 4) {
      const size = this.checkedFrameSize(buffer.readInt32BE(pos));
      if (end - pos < size) break;
      const command = this.decode(buffer, pos + 4, pos + size);
      pos += size;
      if (command === null) continue;
      if (transient && command.body !== null) command.body = Buffer.from(command.body);
      emit(command);
    }
    if (pos < end) {
      const view = pos === 0 && end === buffer.length ? buffer : buffer.subarray(pos, end);
      const rest = transient ? Buffer.from(view) : view;
      this.chunks.push(rest);
      this.buffered = rest.length;
      this.frameSize = rest.length >= 4 ? this.checkedFrameSize(rest.readInt32BE(0)) : -1;
    }
  }

  /** The command of one whole frame; `null` when it does not decode and the caller asked to skip such frames. */
  private decode(buffer: Buffer, start: number, end: number): RemotingCommand | null {
    try {
      return decodeFramePayload(buffer, start, end);
    } catch (error) {
      const protocolError =
        error instanceof RemotingProtocolError ? error : new RemotingProtocolError('Undecodable frame', { cause: error });
      if (this.onUndecodableFrame === null) throw this.fail(protocolError);
      this.onUndecodableFrame(protocolError);
      return null;
    }
  }

  private peekLength(): number {
    const first = this.chunks[0]!;
    if (first.length >= 4) return first.readInt32BE(0);
    const prefix = Buffer.allocUnsafe(4);
    let copied = 0;
    for (const part of this.chunks) {
      copied += part.copy(prefix, copied, 0, Math.min(part.length, 4 - copied));
      if (copied === 4) break;
    }
    return prefix.readInt32BE(0);
  }

  private checkedFrameSize(length: number): number {
    if (length < 4) throw this.fail(new RemotingProtocolError(`Invalid frame length ${length} (must be at least 4)`));
    if (length > this.maxFrameBytes - 4) {
      throw this.fail(
        new RemotingProtocolError(`Frame of ${length + 4} bytes exceeds the limit of ${this.maxFrameBytes} bytes`),
      );
    }
    return length + 4;
  }

  private fail(error: RemotingProtocolError): RemotingProtocolError {
    this.failed = error;
    this.chunks = [];
    this.buffered = 0;
    this.frameSize = -1;
    return error;
  }
}
