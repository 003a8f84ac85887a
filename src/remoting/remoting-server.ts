/**
 * A small RocketMQ remoting server: accepts TCP connections, decodes frames, hands each request to a handler and
 * writes the handler's response. Used by the loopback tests and by the embedded NameServer and Broker.
 */
import { createServer, type Server, type Socket } from 'node:net';
import { createSecureContext, TLSSocket, type SecureContext, type SecureContextOptions } from 'node:tls';
import { Connection } from './connection.js';
import { DEFAULT_MAX_FRAME_BYTES } from './frame-codec.js';
import { createResponse, isOneway, isResponse, type RemotingCommand } from './remoting-command.js';
import { ResponseCode } from './response-code.js';

/** One accepted client connection, as a request handler sees it. */
export interface ServerConnection {
  /** The client's `host:port`. */
  readonly remoteAddress: string;
  /** Queues a command (e.g. a server→client request); false means the socket is applying backpressure. */
  write(command: RemotingCommand): boolean;
  /** Queues raw bytes as they are (fault injection: garbage, truncated frames). */
  writeRaw(bytes: Buffer): boolean;
  /** Stops reading from this client (its writes then back up). */
  pause(): void;
  /** Resumes reading after {@link ServerConnection.pause}. */
  resume(): void;
  /** Closes the connection at once. */
  destroy(): void;
  /** Whether the connection has closed. */
  readonly closed: boolean;
}

/**
 * Handles one request. Return the response to write, or `null`/`undefined` to write nothing (oneway requests,
 * swallowed requests). A throw or a rejected promise becomes a SYSTEM_ERROR (1) response whose remark is the
 * error's message.
 */
export type RequestHandler = (
  request: RemotingCommand,
  connection: ServerConnection,
) => RemotingCommand | null | undefined | Promise<RemotingCommand | null | undefined>;

/** Options of a {@link RemotingServer}. */
export interface RemotingServerOptions {
  /**
   * Largest accepted inbound frame, length prefix included; a larger one closes that connection.
   * @defaultValue 16 MiB
   */
  maxFrameBytes?: number;
  /**
   * Interface to listen on.
   * @defaultValue `'127.0.0.1'`
   */
  host?: string;
  /**
   * Receives responses that clients send (answers to requests written with {@link ServerConnection.write}); without
   * it they are ignored.
   */
  onResponse?: (response: RemotingCommand, connection: ServerConnection) => void;
  /**
   * Serve TLS on the port: the server's `key` and `cert` (PEM), and the mode. `enforcing` accepts only TLS;
   * `permissive` peeks at the first byte of each connection (0x16, a TLS handshake record → TLS, anything else →
   * plaintext), as the Java server's default mode does. A failed handshake closes that connection.
   * @defaultValue none (plaintext only)
   */
  tls?: RemotingServerTls;
}

/** TLS settings of a {@link RemotingServer}. */
export interface RemotingServerTls extends Pick<SecureContextOptions, 'key' | 'cert' | 'ca'> {
  /**
   * `enforcing` (TLS only) or `permissive` (TLS and plaintext on the same port).
   * @defaultValue `'enforcing'`
   */
  mode?: 'enforcing' | 'permissive';
  /**
   * Ask clients for a certificate signed by `ca` and refuse those without one (mutual TLS).
   * @defaultValue `false`
   */
  requireClientCertificate?: boolean;
}

/** First byte of a TLS record carrying a handshake (the ClientHello). */
const TLS_HANDSHAKE_RECORD = 0x16;

class AcceptedConnection implements ServerConnection {
  readonly remoteAddress: string;
  readonly connection: Connection;

  constructor(socket: Socket, maxFrameBytes: number) {
    this.connection = Connection.fromSocket(socket, { maxFrameBytes });
    this.remoteAddress = this.connection.address;
  }

  get closed(): boolean {
    return this.connection.state === 'closed';
  }

  write(command: RemotingCommand): boolean {
    return this.connection.write(command);
  }

  writeRaw(bytes: Buffer): boolean {
    return this.connection.writeRaw(bytes);
  }

  pause(): void {
    this.connection.pause();
  }

  resume(): void {
    this.connection.resume();
  }

  destroy(): void {
    this.connection.close();
  }
}

/**
 * A TCP server speaking RocketMQ remoting frames.
 *
 * Requests go to the handler one by one in arrival order (responses of async handlers go out when they settle).
 * Oneway requests are never answered, whatever the handler returns. A garbage or oversized frame closes that
 * connection; nothing a client sends can crash the process.
 *
 * @example
 * ```ts
 * const server = new RemotingServer((request) => createResponse(request, ResponseCode.SUCCESS));
 * const port = await server.listen(0);
 * // ... server.address is "127.0.0.1:<port>"
 * await server.close();
 * ```
 */
export class RemotingServer {
  private readonly handler: RequestHandler;
  private readonly maxFrameBytes: number;
  private readonly host: string;
  private readonly onResponse: ((response: RemotingCommand, connection: ServerConnection) => void) | null;
  private readonly server: Server;
  private readonly secureContext: SecureContext | null;
  private readonly tlsMode: 'enforcing' | 'permissive';
  private readonly requestCert: boolean;
  private readonly live = new Set<AcceptedConnection>();
  /** TLS servers: sockets still being peeked at or shaking hands (destroyed by close(), which would wait for them). */
  private readonly handshaking = new Set<Socket>();
  private boundPort = 0;

  /**
   * @param handler - answers each request (see {@link RequestHandler})
   * @param options - see {@link RemotingServerOptions}
   */
  constructor(handler: RequestHandler, options: RemotingServerOptions = {}) {
    this.handler = handler;
    this.maxFrameBytes = options.maxFrameBytes ?? DEFAULT_MAX_FRAME_BYTES;
    this.host = options.host ?? '127.0.0.1';
    this.onResponse = options.onResponse ?? null;
    const tls = options.tls;
    this.secureContext = tls === undefined ? null : createSecureContext({ key: tls.key, cert: tls.cert, ca: tls.ca });
    this.tlsMode = tls?.mode ?? 'enforcing';
    this.requestCert = tls?.requireClientCertificate ?? false;
    this.server = createServer((socket) => this.onSocket(socket));
    // A listen error rejects listen(); after that, server errors must not crash the process.
    this.server.on('error', () => {});
  }

  /** The bound port (0 before {@link listen} resolved). */
  get port(): number {
    return this.boundPort;
  }

  /** `host:port` clients connect to, e.g. `"127.0.0.1:40123"`. */
  get address(): string {
    return `${this.host}:${this.boundPort}`;
  }

  /** The open client connections. */
  get connections(): ReadonlySet<ServerConnection> {
    return this.live;
  }

  /**
   * Starts listening.
   * @param port - the port; 0 (the default) picks a free one
   * @returns the bound port
   */
  listen(port = 0): Promise<number> {
    return new Promise((resolve, reject) => {
      const onError = (error: Error): void => reject(error);
      this.server.once('error', onError);
      this.server.listen(port, this.host, () => {
        this.server.off('error', onError);
        const bound = this.server.address();
        this.boundPort = typeof bound === 'object' && bound !== null ? bound.port : port;
        resolve(this.boundPort);
      });
    });
  }

  /** Stops listening and destroys every connection; resolves when the port is free. */
  close(): Promise<void> {
    return new Promise((resolve) => {
      for (const connection of [...this.live]) connection.destroy();
      for (const socket of [...this.handshaking]) socket.destroy();
      if (!this.server.listening) {
        resolve();
        return;
      }
      this.server.close(() => resolve());
    });
  }

  private onSocket(socket: Socket): void {
    if (this.secureContext === null) {
      this.accept(socket);
      return;
    }
    // Errors before the connection is handed on (a reset during the peek or the handshake) only end that socket.
    socket.on('error', () => socket.destroy());
    this.handshaking.add(socket);
    socket.once('close', () => this.handshaking.delete(socket));
    if (this.tlsMode === 'enforcing') {
      this.acceptTls(socket);
      return;
    }
    socket.once('data', (first: Buffer) => {
      socket.pause();
      // Put the peeked bytes back: the TLS layer (or the frame decoder) reads them first.
      socket.unshift(first);
      if (first[0] === TLS_HANDSHAKE_RECORD) this.acceptTls(socket);
      else {
        this.handshaking.delete(socket);
        this.accept(socket);
        socket.resume();
      }
    });
  }

  private acceptTls(socket: Socket): void {
    const secure = new TLSSocket(socket, {
      isServer: true,
      secureContext: this.secureContext!,
      requestCert: this.requestCert,
      rejectUnauthorized: this.requestCert,
    });
    const onHandshakeError = (): void => {
      secure.destroy();
    };
    secure.once('error', onHandshakeError);
    secure.once('secure', () => {
      secure.off('error', onHandshakeError);
      this.handshaking.delete(socket);
      this.accept(secure);
    });
  }

  private accept(socket: Socket): void {
    const accepted = new AcceptedConnection(socket, this.maxFrameBytes);
    this.live.add(accepted);
    accepted.connection.closed$.subscribe(() => this.live.delete(accepted));
    accepted.connection.listen((command) => this.dispatch(command, accepted));
  }

  private dispatch(command: RemotingCommand, connection: AcceptedConnection): void {
    if (isResponse(command)) {
      if (this.onResponse !== null) {
        try {
          this.onResponse(command, connection);
        } catch {
          // A faulty response listener must not take the server down; the response is dropped.
        }
      }
      return;
    }
    let result: ReturnType<RequestHandler>;
    try {
      result = this.handler(command, connection);
    } catch (error) {
      this.answer(command, connection, systemError(command, error));
      return;
    }
    if (isThenable(result)) {
      Promise.resolve(result).then(
        (response) => this.answer(command, connection, response),
        (error: unknown) => this.answer(command, connection, systemError(command, error)),
      );
    } else {
      this.answer(command, connection, result);
    }
  }

  private answer(request: RemotingCommand, connection: AcceptedConnection, response: RemotingCommand | null | undefined): void {
    if (response === null || response === undefined || isOneway(request) || connection.closed) return;
    try {
      connection.write(response);
    } catch (error) {
      // The handler built a response that cannot be encoded (e.g. a code outside int16 for a ROCKETMQ header).
      connection.write(systemError(request, error));
    }
  }
}

function isThenable(value: unknown): value is PromiseLike<RemotingCommand | null | undefined> {
  return typeof value === 'object' && value !== null && typeof (value as { then?: unknown }).then === 'function';
}

function systemError(request: RemotingCommand, error: unknown): RemotingCommand {
  const remark = error instanceof Error ? error.message : String(error);
  return createResponse(request, ResponseCode.SYSTEM_ERROR, { remark });
}
