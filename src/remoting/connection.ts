/**
 * One TCP connection speaking RocketMQ frames, as RxJS: inbound commands are an Observable, writes are queued and
 * flushed together, and the end of the connection (with its reason) is a value, never a thrown error.
 */
import { connect as netConnect, Socket } from 'node:net';
import { connect as tlsConnect, type ConnectionOptions as TlsConnectionOptions } from 'node:tls';
import { ReplaySubject, Subject, type Observable } from 'rxjs';
import { RemotingConnectError, RemotingProtocolError, RemotingSendRequestError, type RemotingError } from '../errors.js';
import { remotingCloseChannel, remotingConnectChannel } from './diagnostics.js';
import type { RemotingCloseEvent, RemotingConnectEvent } from './diagnostics.js';
import { DEFAULT_MAX_FRAME_BYTES, encodeFrameHead, encodeFrameHeadInto } from './frame-codec.js';
import { FrameDecoder } from './frame-decoder.js';
import type { RemotingCommand } from './remoting-command.js';

/** Options of a {@link Connection}. */
export interface ConnectionOptions {
  /**
   * How long the TCP connect may take before it fails with `RMQ_ERR_REMOTING_CONNECT`, in milliseconds.
   * @defaultValue 3000
   */
  connectTimeoutMillis?: number;
  /**
   * Largest accepted inbound frame, length prefix included; a larger one closes the connection with
   * `RMQ_ERR_REMOTING_PROTOCOL`.
   * @defaultValue 16 MiB (`DEFAULT_MAX_FRAME_BYTES`)
   */
  maxFrameBytes?: number;
  /**
   * Speak TLS on the connection (`tls.connect` with these options, host and port added); `null` for plain TCP. The
   * connection opens once the handshake is done; a handshake or certificate failure closes it with a
   * {@link RemotingConnectError} whose `code` is `RMQ_ERR_TLS` and whose `cause` is Node's error.
   * @defaultValue `null`
   */
  tls?: TlsConnectionOptions | null;
}

/** Life-cycle state of a {@link Connection}. */
export type ConnectionState = 'connecting' | 'open' | 'closed';

/** Why a connection ended: emitted once by {@link Connection.closed$}. */
export interface ConnectionClosed {
  /** `null` for an orderly close requested locally; otherwise what went wrong. */
  readonly error: RemotingError | null;
  /** Whether the connection was ever open (false: the connect itself failed or was abandoned). */
  readonly wasOpen: boolean;
}

/**
 * A pre-encoded frame to write ({@link Connection.enqueue}).
 * @internal
 */
export interface OutboundFrame {
  /** Length prefix, header-info word and header (see `encodeFrameHead`). */
  readonly head: Buffer;
  /** Body, written after `head`; `null` when none. */
  readonly body: Buffer | null;
  /** When true at flush time the frame is skipped (its caller unsubscribed before the write). */
  readonly cancelled: boolean;
  /** Called synchronously when the frame is handed to the socket. */
  sent(): void;
  /** If present: called once the socket has written the frame (`null`), or failed to (the error). */
  written?: (error: RemotingError | null) => void;
}

/**
 * A frame in the write queue: its bytes are `slab[slabStart, slabEnd)` (head, and the body when it was copied there), then
 * `largeBody` when the body is written as its own buffer. The connection sets these fields when it queues the frame;
 * requests implement the interface themselves, so queueing a request allocates nothing of its own.
 * @internal
 */
export interface QueuedFrame {
  /** The buffer holding the frame's bytes (set by the connection). */
  slab: Buffer;
  /** Where they start in `slab`. */
  slabStart: number;
  /** Where they end in `slab`. */
  slabEnd: number;
  /** A body written after `slab[slabStart, slabEnd)` without a copy; `null` when none (or it was copied into the slab). */
  largeBody: Buffer | null;
  /** When true at flush time the frame is skipped (its caller unsubscribed before the write). */
  readonly cancelled: boolean;
  /** Called synchronously when the frame is handed to the socket. */
  sent(): void;
  /** If present: called once the socket has written the frame (`null`), or failed to (the error). */
  written?: (error: RemotingError | null) => void;
  /**
   * If present (frames queued by {@link Connection.enqueueCommand}): called exactly once when the connection no
   * longer reads the frame's body: at once when the body was copied into the write buffer (or there is none) or the
   * connection was already closed, else when the socket's write of `largeBody` completed or failed, when the frame
   * was skipped as cancelled, or when it was dropped at close. Until then `largeBody` must not change.
   */
  released?(): void;
}

const EMPTY = Buffer.alloc(0);
/** A settled promise: a reaction to it is a plain microtask (see {@link Connection}'s flush scheduling). */
const FLUSH_TICK: Promise<void> = Promise.resolve();

/** Size of an outbound plain TCP connection's read buffer (what Node reads into per read without one). */
const READ_BUFFER_BYTES = 64 * 1024;
/** Bodies above this size are written as their own buffer; smaller ones are copied into the write buffer. */
const COPY_BODY_LIMIT = 4096;
/** Queued bytes above which writes flush at once instead of at the end of the current tick. */
const FLUSH_HIGH_WATER = 256 * 1024;
/**
 * Size of a write buffer ("slab"): frames are encoded into it back to back, and a flush hands the socket one view of
 * the bytes queued since the last flush. A new slab is taken when the rest of the current one is too small.
 */
const SLAB_BYTES = 64 * 1024;
/** Largest slab a busy connection grows to (a batch flushes at 256 KiB queued anyway). */
const MAX_SLAB_BYTES = 512 * 1024;
/** Room a head is expected to fit in: with less left in the slab, a new one is taken before encoding. */
const HEAD_ROOM = 2048;

/** A frame queued by {@link Connection.write} / {@link Connection.writeRaw}: nothing to tell anyone. */
class PlainFrame implements QueuedFrame {
  slab: Buffer = EMPTY;
  slabStart = 0;
  slabEnd = 0;
  largeBody: Buffer | null = null;
  readonly cancelled = false;
  sent(): void {}
}

/** A pre-encoded {@link OutboundFrame} in the queue: its head and body are written as they are, without a copy. */
class PreEncodedFrame implements QueuedFrame {
  slab: Buffer;
  slabStart = 0;
  slabEnd: number;
  largeBody: Buffer | null;
  readonly written?: (error: RemotingError | null) => void;
  constructor(private readonly frame: OutboundFrame) {
    this.slab = frame.head;
    this.slabEnd = frame.head.length;
    this.largeBody = frame.body !== null && frame.body.length > 0 ? frame.body : null;
    if (frame.written !== undefined) this.written = (error) => frame.written!(error);
  }
  get cancelled(): boolean {
    return this.frame.cancelled;
  }
  sent(): void {
    this.frame.sent();
  }
}

function frameBytes(frame: QueuedFrame): number {
  return frame.slabEnd - frame.slabStart + (frame.largeBody === null ? 0 : frame.largeBody.length);
}

/**
 * Parses `host:port` (IPv6 hosts may be bracketed).
 * @param address - `host:port`, `[v6]:port`
 * @returns `{ host, port }`, the host without brackets
 */
export function parseAddress(address: string): { host: string; port: number } {
  const colon = address.lastIndexOf(':');
  const port = Number(address.slice(colon + 1));
  if (colon <= 0 || !Number.isInteger(port) || port <= 0 || port > 65535) {
    throw new RemotingConnectError(`Invalid address "${address}" (expected host:port)`, { address, retriable: false });
  }
  let host = address.slice(0, colon);
  if (host.startsWith('[') && host.endsWith(']')) host = host.slice(1, -1);
  return { host, port };
}

/**
 * One TCP socket carrying RocketMQ frames.
 *
 * - {@link commands$} emits every inbound command (body as a view into the received chunk) and completes when the
 *   connection closes; a bad inbound stream (a length prefix out of range) closes the connection with
 *   `RMQ_ERR_REMOTING_PROTOCOL`, a well-framed frame whose header does not decode is skipped ({@link skippedFrames}).
 * - {@link write} queues a frame; queued frames are flushed together at the end of the tick (or at once past
 *   256 KiB), small ones coalesced into one buffer, bodies over 4 KiB written as their own buffer without a copy.
 *   When the socket reports backpressure the queue waits for `'drain'`.
 * - {@link closed$} emits one {@link ConnectionClosed} value and completes.
 *
 * @example
 * ```ts
 * const connection = Connection.connect('127.0.0.1:9876');
 * connection.commands$.subscribe((command) => console.log(command.code));
 * connection.write(createRequest(RequestCode.GET_ROUTEINFO_BY_TOPIC, { topic: 'TopicTest' }));
 * ```
 */
export class Connection {
  /** Remote `host:port`. */
  readonly address: string;
  /** Inbound commands; completes when the connection closes. */
  readonly commands$: Observable<RemotingCommand>;
  /** Emits once, when the connection has closed, then completes (late subscribers get the value too). */
  readonly closed$: Observable<ConnectionClosed>;

  private readonly socket: Socket;
  private readonly decoder: FrameDecoder;
  private readonly commands = new Subject<RemotingCommand>();
  private readonly closed = new ReplaySubject<ConnectionClosed>(1);
  private connectTimer: NodeJS.Timeout | null = null;
  private stateValue: ConnectionState;
  private wasOpen: boolean;
  /** TLS client connections: whether the TCP connect is done (a failure after it is a handshake failure). */
  private readonly tls: boolean;
  private tcpConnected = false;
  private receivedData = false;
  /**
   * The frames waiting for the next flush: `queue[0, queueLength)`. The array is kept from flush to flush (its
   * slots cleared as they are written), so that queueing a lone frame allocates nothing.
   */
  private readonly queue: (QueuedFrame | null)[] = [];
  private queueLength = 0;
  /** The write buffer frames are encoded into, and where its free part starts. */
  private slab: Buffer = EMPTY;
  private slabPos = 0;
  /** The last view of a write buffer handed to the socket, and where it starts (see {@link Connection.viewOf}). */
  private lastView: Buffer = EMPTY;
  private lastViewSlab: Buffer = EMPTY;
  private lastViewStart = 0;
  /** Who gets inbound commands first (the client or server owning the connection), before `commands$`. */
  private commandListener: ((command: RemotingCommand) => void) | null = null;
  private queuedBytesValue = 0;
  private flushScheduled = false;
  private blocked = false;
  private skippedFramesValue = 0;
  private readonly emitCommand = (command: RemotingCommand): void => {
    const listener = this.commandListener;
    if (listener !== null) listener(command);
    if (this.commands.observed) this.commands.next(command);
  };
  private readonly flushTask = (): void => {
    try {
      this.flush();
    } catch (error) {
      // Run as a promise reaction (see push): a throw is reported as an uncaught exception, as queueMicrotask would.
      queueMicrotask(() => {
        throw error;
      });
    }
  };
  /** When an outbound connect started (diagnostics); `-1` for an accepted socket. */
  private readonly connectStartedAt: number;

  private constructor(address: string, socket: Socket, open: boolean, options: ConnectionOptions) {
    this.address = address;
    this.socket = socket;
    // A frame whose length is right but whose header does not decode is skipped: the stream is still in step, so
    // the other requests on this connection need not fail with it (the one it answered times out).
    this.decoder = new FrameDecoder(options.maxFrameBytes ?? DEFAULT_MAX_FRAME_BYTES, () => this.skippedFramesValue++);
    this.stateValue = open ? 'open' : 'connecting';
    this.wasOpen = open;
    this.connectStartedAt = open ? -1 : performance.now();
    this.tls = !open && options.tls !== undefined && options.tls !== null;
    this.commands$ = this.commands.asObservable();
    this.closed$ = this.closed.asObservable();
    socket.setNoDelay(true);
    socket.on('data', (chunk: Buffer) => this.onData(chunk));
    socket.on('drain', () => this.onDrain());
    socket.on('error', (error: Error) => this.onSocketError(error));
    socket.on('close', () => this.finish(this.closeError ?? this.defaultCloseError()));
    // The peer half-closed: RocketMQ has no half-open use, so close our side too.
    socket.on('end', () => socket.end());
    if (!open) {
      socket.once(this.tls ? 'secureConnect' : 'connect', () => this.onConnect());
      if (this.tls) socket.once('connect', () => (this.tcpConnected = true));
      this.connectTimer = setTimeout(() => {
        const timeout = options.connectTimeoutMillis ?? 3000;
        this.close(new RemotingConnectError(`Connect to ${address} timed out after ${timeout} ms`, { address }));
      }, options.connectTimeoutMillis ?? 3000);
      this.connectTimer.unref();
    }
  }

  /**
   * Opens a connection to `address` (`host:port`). Writes may be queued at once; they go out when it is open.
   * An invalid address, a refused connect or the connect timeout close it with `RMQ_ERR_REMOTING_CONNECT`.
   */
  static connect(address: string, options: ConnectionOptions = {}): Connection {
    let host: string;
    let port: number;
    try {
      ({ host, port } = parseAddress(address));
    } catch (error) {
      // Surface a bad address like any other connect failure: as the close value.
      const connection = new Connection(address, new Socket(), false, options);
      connection.close(error as RemotingError);
      return connection;
    }
    const tls = options.tls ?? null;
    if (tls !== null) return new Connection(address, tlsConnect({ ...tls, host, port }), false, options);
    // Plain TCP reads into one buffer of the connection's own, handed to the decoder straight from the socket's read
    // callback: no buffer allocated per read, none of the stream machinery behind 'data' (its per-read chunk, the
    // Readable bookkeeping and the nextTick it schedules). The decoder copies whatever it keeps past the callback.
    let connection: Connection | null = null;
    const onread = {
      buffer: Buffer.allocUnsafe(READ_BUFFER_BYTES),
      callback: (bytes: number, buffer: Uint8Array): boolean => connection!.onRead(buffer as Buffer, bytes),
    };
    connection = new Connection(address, netConnect({ host, port, onread }), false, options);
    return connection;
  }

  /** Wraps a socket that is already connected (a server's accepted socket). */
  static fromSocket(socket: Socket, options: ConnectionOptions = {}): Connection {
    const address = `${socket.remoteAddress ?? 'unknown'}:${socket.remotePort ?? 0}`;
    return new Connection(address, socket, true, options);
  }

  /** Current state. */
  get state(): ConnectionState {
    return this.stateValue;
  }

  /** Whether the connection was open at some point. */
  get hasBeenOpen(): boolean {
    return this.wasOpen;
  }

  /** Inbound frames skipped because their header did not decode (their length was valid, so the stream went on). */
  get skippedFrames(): number {
    return this.skippedFramesValue;
  }

  /** Bytes queued in this connection and not yet handed to the socket. */
  get queuedBytes(): number {
    return this.queuedBytesValue;
  }

  /** Bytes handed to the socket that it has not written to the kernel yet. */
  get socketBufferedBytes(): number {
    return this.socket.writableLength;
  }

  /** Whether writes are waiting for the socket's `'drain'` (backpressure). */
  get writeBlocked(): boolean {
    return this.blocked;
  }

  /**
   * Queues a command. Returns false when the caller should slow down (the socket is applying backpressure or more
   * than 256 KiB are queued); the command is queued either way, unless the connection is closed. Throws (and queues
   * nothing) when the command cannot be encoded.
   */
  write(command: RemotingCommand): boolean {
    this.enqueueCommand(new PlainFrame(), command);
    return this.stateValue !== 'closed' && !this.blocked && this.queuedBytesValue < FLUSH_HIGH_WATER;
  }

  /**
   * Queues raw bytes, written as they are: pre-encoded frames (the embedded broker's answers) and fault injection
   * (garbage, partial frames). Up to 4 KiB are copied into the write buffer, so that they go out in the same socket
   * write as the frames queued around them; larger ones are written as their own piece, without a copy.
   */
  writeRaw(bytes: Buffer): boolean {
    const frame = new PlainFrame();
    const length = bytes.length;
    if (length > 0 && length <= COPY_BODY_LIMIT && this.stateValue !== 'closed') {
      let slab = this.slab;
      let start = this.slabPos;
      if (slab.length - start < length) {
        slab = this.newSlab(length);
        start = 0;
      }
      slab.set(bytes, start);
      this.slabPos = start + length;
      frame.slab = slab;
      frame.slabStart = start;
      frame.slabEnd = start + length;
      return this.push(frame);
    }
    frame.slab = bytes;
    frame.slabEnd = length;
    return this.push(frame);
  }

  /**
   * Makes `listener` the first receiver of inbound commands (before {@link commands$}'s subscribers): the owner of
   * the connection, called straight from the decoder without an RxJS `Subject` in between. One listener; a second
   * call replaces the first.
   * @internal
   */
  listen(listener: (command: RemotingCommand) => void): void {
    this.commandListener = listener;
  }

  /**
   * Queues a pre-encoded frame. If the connection is already closed, the frame's `written` callback (if any) gets the
   * error and false is returned.
   * @internal
   */
  enqueue(frame: OutboundFrame): boolean {
    return this.push(new PreEncodedFrame(frame));
  }

  /**
   * Encodes `command` straight into the connection's write buffer and queues it as `frame` (setting its `slab`,
   * `slabStart`, `slabEnd` and `largeBody`). If the connection is already closed, nothing is encoded and the frame's
   * `written` callback (if any) gets the error.
   * @returns the frame's size in bytes, 0 when the connection is closed
   * @throws what the encoder throws when the command cannot be encoded (e.g. a header over 16 MiB); nothing is queued
   * @internal
   */
  enqueueCommand(frame: QueuedFrame, command: RemotingCommand): number {
    if (this.stateValue === 'closed') {
      frame.written?.(new RemotingSendRequestError(`Connection to ${this.address} is closed`, { address: this.address }));
      frame.released?.();
      return 0;
    }
    const body = command.body;
    const bodyLength = body === null ? 0 : body.length;
    const copied = bodyLength > 0 && bodyLength <= COPY_BODY_LIMIT ? bodyLength : 0;
    let slab = this.slab;
    let start = this.slabPos;
    if (slab.length - start < HEAD_ROOM + copied) {
      slab = this.newSlab(HEAD_ROOM + copied);
      start = 0;
    }
    let end = encodeFrameHeadInto(command, bodyLength, slab, start);
    if (end < 0) {
      // A head larger than the room left: encode it on its own, then give it a slab it fits in.
      const head = encodeFrameHead(command, bodyLength);
      slab = this.newSlab(head.length + copied);
      start = 0;
      slab.set(head, 0);
      end = head.length;
    } else if (slab.length - end < copied) {
      const moved = this.newSlab(end - start + copied);
      moved.set(slab.subarray(start, end), 0);
      slab = moved;
      end -= start;
      start = 0;
    }
    if (copied > 0) {
      slab.set(body!, end);
      end += copied;
      frame.largeBody = null;
    } else {
      frame.largeBody = bodyLength > 0 ? body : null;
    }
    this.slab = slab;
    this.slabPos = end;
    frame.slab = slab;
    frame.slabStart = start;
    frame.slabEnd = end;
    // A copied body (or none) is not read again; a referenced one is released by flush() or finish().
    if (frame.largeBody === null) frame.released?.();
    this.push(frame);
    return end - start + (copied > 0 ? 0 : bodyLength);
  }

  /**
   * A fresh slab of at least `bytes` (the old one stays alive as long as queued frames or the socket hold it). When
   * the frames of one batch outgrew the current slab, the next is twice as large (up to {@link MAX_SLAB_BYTES}), so
   * that a connection's usual batch fits in one slab, which is then reused flush after flush.
   */
  private newSlab(bytes: number): Buffer {
    const current = this.slab.length;
    const size = this.queueLength > 0 ? Math.min(MAX_SLAB_BYTES, 2 * current) : current;
    this.slabPos = 0;
    this.slab = Buffer.allocUnsafe(Math.max(SLAB_BYTES, size, bytes));
    return this.slab;
  }

  private push(frame: QueuedFrame): boolean {
    if (this.stateValue === 'closed') {
      frame.written?.(new RemotingSendRequestError(`Connection to ${this.address} is closed`, { address: this.address }));
      return false;
    }
    this.queue[this.queueLength++] = frame;
    this.queuedBytesValue += frameBytes(frame);
    if (this.stateValue === 'open' && !this.blocked) {
      if (this.queuedBytesValue >= FLUSH_HIGH_WATER) this.flush();
      else if (!this.flushScheduled) {
        this.flushScheduled = true;
        // A reaction of a settled promise is the same microtask queueMicrotask would queue, without the async
        // resource (and bound function) Node makes for each queueMicrotask call.
        void FLUSH_TICK.then(this.flushTask);
      }
    }
    return !this.blocked && this.queuedBytesValue < FLUSH_HIGH_WATER;
  }

  /** Stops reading from the socket (the peer's writes then back up: a backpressure test aid). */
  pause(): void {
    this.socket.pause();
  }

  /** Resumes reading after {@link pause}. */
  resume(): void {
    this.socket.resume();
  }

  /**
   * Closes the connection at once (queued frames are dropped and their `written` callbacks get the error).
   * `error` becomes the close reason; without it the close is an orderly local one (`error: null`).
   */
  close(error: RemotingError | null = null): void {
    if (this.stateValue === 'closed') return;
    this.closeError ??= error;
    this.finish(this.closeError);
    this.socket.destroy();
  }

  private closeError: RemotingError | null = null;

  private onConnect(): void {
    if (this.stateValue !== 'connecting') return;
    if (this.connectTimer !== null) clearTimeout(this.connectTimer);
    this.connectTimer = null;
    this.stateValue = 'open';
    this.wasOpen = true;
    if (remotingConnectChannel.hasSubscribers) {
      remotingConnectChannel.publish({
        addr: this.address,
        durationMillis: performance.now() - this.connectStartedAt,
        error: null,
      } satisfies RemotingConnectEvent);
    }
    this.flush();
  }

  private onData(chunk: Buffer): void {
    this.receivedData = true;
    try {
      this.decoder.push(chunk, this.emitCommand);
    } catch (error) {
      this.failInbound(error);
    }
  }

  /**
   * `bytes` bytes read into the connection's read buffer (see {@link Connection.connect}); they are valid until this
   * returns. Returns true: the socket keeps reading.
   */
  private onRead(buffer: Buffer, bytes: number): boolean {
    this.receivedData = true;
    try {
      this.decoder.pushTransient(buffer, this.emitCommand, bytes);
    } catch (error) {
      this.failInbound(error);
    }
    return true;
  }

  /** An inbound frame that could not be decoded or processed closes the connection. */
  private failInbound(error: unknown): void {
    const protocolError =
      error instanceof RemotingProtocolError
        ? error
        : new RemotingProtocolError('Failed to process an inbound frame', { cause: error, address: this.address });
    this.close(protocolError);
  }

  private onDrain(): void {
    this.blocked = false;
    this.flush();
  }

  private onSocketError(error: Error): void {
    if (this.closeError !== null) return;
    const options = { cause: error, address: this.address };
    if (!this.wasOpen && this.tls && (this.tcpConnected || isTlsError(error))) {
      this.closeError = new RemotingConnectError(`TLS handshake with ${this.address} failed: ${error.message}`, { ...options, code: 'RMQ_ERR_TLS' });
      return;
    }
    this.closeError = this.wasOpen
      ? new RemotingSendRequestError(`Connection to ${this.address} failed: ${error.message}`, options)
      : new RemotingConnectError(`Connect to ${this.address} failed: ${error.message}`, options);
  }

  private defaultCloseError(): RemotingError {
    if (!this.wasOpen && this.tls && this.tcpConnected) {
      return new RemotingConnectError(`${this.address} closed the connection during the TLS handshake (does it speak TLS?)`, {
        address: this.address,
        code: 'RMQ_ERR_TLS',
      });
    }
    // A TLS-only server closes a plaintext connection as soon as the first frame arrives, without a word.
    const hint = this.receivedData || this.tls ? '' : ' before sending anything (a server that requires TLS does this to plaintext clients)';
    return this.wasOpen
      ? new RemotingSendRequestError(`Connection to ${this.address} closed by the peer${hint}`, { address: this.address })
      : new RemotingConnectError(`Connect to ${this.address} failed`, { address: this.address });
  }

  private flush(): void {
    this.flushScheduled = false;
    if (this.stateValue !== 'open' || this.blocked || this.queueLength === 0) return;
    const queue = this.queue;
    const socket = this.socket;
    // The run of contiguous bytes not handed to the socket yet: `runSlab[runStart, runEnd)`.
    let runSlab: Buffer | null = null;
    let runStart = 0;
    let runEnd = 0;
    let notify: QueuedFrame[] | null = null;
    let ok = true;
    let index = 0;
    // Cork only when a batch needs several writes (a cancelled frame, a new slab, large bodies): a single write is
    // cheaper uncorked.
    let corked = false;
    // Stop handing frames to the socket as soon as it reports backpressure: the rest waits here for 'drain', so
    // the socket's own buffer never holds more than about one batch beyond its high-water mark.
    while (index < this.queueLength && ok) {
      const frame = queue[index]!;
      queue[index++] = null;
      this.queuedBytesValue -= frameBytes(frame);
      if (frame.cancelled) {
        if (frame.largeBody !== null) frame.released?.();
        continue;
      }
      frame.sent();
      if (frame.slab === runSlab && frame.slabStart === runEnd) {
        runEnd = frame.slabEnd;
      } else {
        if (runSlab !== null) {
          if (!corked) {
            socket.cork();
            corked = true;
          }
          ok = socket.write(runSlab.subarray(runStart, runEnd)) && ok;
        }
        runSlab = frame.slab;
        runStart = frame.slabStart;
        runEnd = frame.slabEnd;
      }
      const largeBody = frame.largeBody;
      if (frame.written !== undefined || (largeBody !== null && frame.released !== undefined)) (notify ??= []).push(frame);
      if (largeBody !== null || runEnd - runStart >= FLUSH_HIGH_WATER) {
        if (!corked) {
          socket.cork();
          corked = true;
        }
        ok = socket.write(runSlab.subarray(runStart, runEnd)) && ok;
        if (largeBody !== null) ok = socket.write(largeBody) && ok;
        runSlab = null;
      }
    }
    const last = runSlab === null ? EMPTY : this.viewOf(runSlab, runStart, runEnd);
    const left = this.queueLength - index;
    if (left > 0) {
      // Backpressure stopped the batch: what is left moves to the front, for the flush after 'drain'.
      queue.copyWithin(0, index, this.queueLength);
      queue.fill(null, left, this.queueLength);
    }
    this.queueLength = left;
    if (notify !== null) {
      const frames = notify;
      // The callback of the batch's last write fires after everything written before it.
      ok =
        socket.write(last, (error) => {
          const failure =
            error === null || error === undefined
              ? null
              : new RemotingSendRequestError(`Write to ${this.address} failed`, { cause: error, address: this.address });
          for (const frame of frames) {
            frame.written?.(failure);
            if (frame.largeBody !== null) frame.released?.();
          }
        }) && ok;
    } else if (last.length > 0) {
      ok = socket.write(last) && ok;
    }
    if (corked) socket.uncork();
    if (!ok) this.blocked = true;
    // Everything queued went out, and the socket holds none of it (the kernel took it during these writes): the
    // write buffer's bytes are free again, so the next frames reuse it from the start instead of a new one. Without
    // this a busy connection allocates its whole traffic as new buffers, and their external memory drives V8 into
    // full collections.
    if (this.queueLength === 0 && socket.writableLength === 0) this.slabPos = 0;
  }

  /**
   * `slab[start, end)` as a Buffer for the socket: the view handed over last when it covers the same bytes, else a
   * new one. A connection sending one request at a time writes the same range of its reused write buffer send after
   * send (the frame at its start, of the same size); a view only names the bytes, which the write buffer's reuse
   * rules keep from being overwritten while the socket still holds them, so handing over the same view again is safe.
   */
  private viewOf(slab: Buffer, start: number, end: number): Buffer {
    const last = this.lastView;
    if (this.lastViewSlab === slab && this.lastViewStart === start && last.length === end - start) return last;
    const view = slab.subarray(start, end);
    this.lastView = view;
    this.lastViewSlab = slab;
    this.lastViewStart = start;
    return view;
  }

  /** An outbound connection ended: a close if it was open, else a failed connect. */
  private publishClosed(error: RemotingError | null): void {
    if (this.wasOpen) {
      if (remotingCloseChannel.hasSubscribers) remotingCloseChannel.publish({ addr: this.address, error } satisfies RemotingCloseEvent);
    } else if (remotingConnectChannel.hasSubscribers) {
      remotingConnectChannel.publish({
        addr: this.address,
        durationMillis: performance.now() - this.connectStartedAt,
        error: error ?? new RemotingConnectError(`Could not connect to ${this.address}`, { address: this.address }),
      } satisfies RemotingConnectEvent);
    }
  }

  private finish(error: RemotingError | null): void {
    if (this.stateValue === 'closed') return;
    this.stateValue = 'closed';
    if (this.connectTimer !== null) clearTimeout(this.connectTimer);
    this.connectTimer = null;
    const queue = this.queue.slice(0, this.queueLength);
    this.queue.fill(null, 0, this.queueLength);
    this.queueLength = 0;
    this.queuedBytesValue = 0;
    const dropped = error ?? new RemotingSendRequestError(`Connection to ${this.address} closed`, { address: this.address });
    this.slab = EMPTY;
    this.slabPos = 0;
    this.lastView = this.lastViewSlab = EMPTY;
    for (const frame of queue) {
      if (frame === null) continue;
      if (!frame.cancelled) frame.written?.(dropped);
      if (frame.largeBody !== null) frame.released?.();
    }
    this.commands.complete();
    if (this.connectStartedAt >= 0) this.publishClosed(error);
    this.closed.next({ error, wasOpen: this.wasOpen });
    this.closed.complete();
  }
}


/** Node's TLS and certificate error codes (`ERR_SSL_*`, `ERR_TLS_*`, OpenSSL verification codes). */
function isTlsError(error: Error): boolean {
  const code = (error as { code?: unknown }).code;
  return typeof code === 'string' && (/^ERR_(?:SSL|TLS)_/.test(code) || /CERT|SELF_SIGNED|UNABLE_TO_/.test(code));
}
