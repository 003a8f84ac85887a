/**
 * The client side of the remoting protocol: one shared connection per address, requests correlated to responses
 * by opaque, timeouts, permits, RPC hooks, and requests the server sends to us.
 */
import type { ConnectionOptions as TlsConnectionOptions } from 'node:tls';
import { firstValueFrom, Subject, type Observable, type Unsubscribable } from 'rxjs';
import { RemotingConnectError, RemotingSendRequestError, type RemotingError } from '../errors.js';
import type { BodyLease } from './body-lease.js';
import { ClientChannel, type CallHost } from './client-channel.js';
import { Connection } from './connection.js';
import { DEFAULT_MAX_FRAME_BYTES } from './frame-codec.js';
import { InvokeCall } from './invoke-call.js';
import { InvokeObservable } from './invoke-observable.js';
import { OnewayCall } from './oneway-call.js';
import { Permits } from './permits.js';
import { createResponse, isOneway, isResponse, RPC_ONEWAY, RPC_TYPE_RESPONSE, SerializeType, type RemotingCommand, type SerializeTypeValue } from './remoting-command.js';
import { ResponseCode } from './response-code.js';
import type { ResponseObserver } from './response-observer.js';

/**
 * Hook run around every request, e.g. to sign it (ACL). Hooks run in the order they were added.
 *
 * A hook that throws fails that request with the thrown error (as the error of `invoke$` / the rejection of
 * `invoke` / `invokeOneway`); for `doBeforeRequest` nothing is written.
 */
export interface RPCHook {
  /** Called before the request is encoded and written; may add `extFields`. */
  doBeforeRequest(addr: string, request: RemotingCommand): void;
  /** Called with the response before it is emitted (not for oneway requests). */
  doAfterResponse(addr: string, request: RemotingCommand, response: RemotingCommand): void;
}

/** Options of a {@link RemotingClient}. */
export interface RemotingClientOptions {
  /**
   * TCP connect timeout in milliseconds.
   * @defaultValue 3000
   */
  connectTimeoutMillis?: number;
  /**
   * Maximum `{ async: true }` invokes in flight (Java `clientAsyncSemaphoreValue`).
   * @defaultValue 65535
   */
  clientAsyncSemaphoreValue?: number;
  /**
   * Maximum oneway requests not yet written (Java `clientOnewaySemaphoreValue`).
   * @defaultValue 65535
   */
  clientOnewaySemaphoreValue?: number;
  /**
   * Largest accepted inbound frame, length prefix included.
   * @defaultValue 16 MiB
   */
  maxFrameBytes?: number;
  /**
   * RPC hooks, run in order around every request.
   * @defaultValue `[]`
   */
  rpcHooks?: RPCHook[];
  /**
   * Open every connection with TLS (`tls.connect` options; host and port are added); `null` for plain TCP.
   * Handshake and certificate failures fail the requests of that connection with `RMQ_ERR_TLS`.
   * @defaultValue `null`
   */
  tls?: TlsConnectionOptions | null;
  /**
   * The header serialization of every request this client sends (what Java's `rocketmq.serialize.type` system
   * property / `ROCKETMQ_SERIALIZE_TYPE` variable sets for a whole JVM): each request's `serializeType` is set to it
   * before the hooks run. Responses are decoded in whichever serialization they come in; answers to the servers'
   * requests keep the request's. `null` sends every request as it was created (`createRequest` makes JSON ones).
   * @defaultValue `null`
   */
  serializeType?: SerializeTypeValue | null;
}

/** One permit pool's state (see {@link RemotingClient.permitStats}). */
export interface PermitStats {
  /** Pool size. */
  readonly total: number;
  /** Free permits. */
  readonly available: number;
  /** Requests queued for a permit now. */
  readonly waiting: number;
  /** Requests that had to queue, since the client was created. */
  readonly waits: number;
}

/** Options of one invoke. */
export interface InvokeOptions {
  /**
   * Take a permit from `clientAsyncSemaphoreValue` for this request (what the Java client does for async sends).
   * @defaultValue false
   */
  async?: boolean;
  /**
   * The request's body is lent, not given: remoting tells the lease when no queued frame reads it any more, so that
   * its owner may reuse the buffer (see {@link BodyLease}). Without it the body must simply never change.
   * @defaultValue none
   */
  bodyLease?: BodyLease;
}

/** A request the server sent to this client (e.g. the broker's CHECK_TRANSACTION_STATE). */
export interface ServerRequest {
  /** `host:port` of the server that sent it. */
  address: string;
  /** The request. */
  request: RemotingCommand;
  /**
   * Writes the response on the connection the request came from. The response's opaque is set to the request's
   * and its response bit is set. Ignored for oneway requests, after the first call, and once the connection closed.
   */
  respond(response: RemotingCommand): void;
}

/**
 * Answers the requests of one code that servers send to a client (see {@link RemotingClient.handleRequests}): call
 * `respond` once, now or later; a oneway request needs no answer. A throw is answered SYSTEM_ERROR.
 */
export type ServerRequestHandler = (request: ServerRequest) => void;

/**
 * RocketMQ remoting client: multiplexes requests over one lazily opened TCP connection per address.
 *
 * Errors (all {@link RemotingError}s, see `code`): `RMQ_ERR_REMOTING_CONNECT` (connect failed or timed out, or the
 * connection closed before it was ever open), `RMQ_ERR_REMOTING_SEND_REQUEST` (the connection failed after it was
 * open, before the response), `RMQ_ERR_REMOTING_TIMEOUT`, `RMQ_ERR_REMOTING_TOO_MUCH_REQUEST` (no permit within the
 * timeout). A throwing {@link RPCHook} fails the request with the hook's own error.
 *
 * @example
 * ```ts
 * const client = new RemotingClient();
 * const response = await client.invoke('127.0.0.1:9876', createRequest(RequestCode.GET_ROUTEINFO_BY_TOPIC, { topic: 'T' }), 3000);
 * await client.close();
 * ```
 */
export class RemotingClient implements CallHost {
  /**
   * Every request the servers send us, handled or not (to observe them). A request whose code has no handler
   * ({@link handleRequests}) and that no subscriber answers while it is being emitted gets the Java client's
   * answer: REQUEST_CODE_NOT_SUPPORTED, remark `" request type N not supported"` (oneway ones get none). To answer
   * later, register a handler.
   */
  readonly serverRequests$: Observable<ServerRequest>;

  private readonly connectTimeoutMillis: number;
  private readonly maxFrameBytes: number;
  private readonly asyncPermits: Permits;
  private readonly onewayPermits: Permits;
  private readonly hooks: RPCHook[];
  private readonly tls: TlsConnectionOptions | null;
  /** @internal See {@link RemotingClientOptions.serializeType}. */
  readonly requestSerializeType: SerializeTypeValue | null;
  private readonly channels = new Map<string, ClientChannel>();
  private readonly serverRequests = new Subject<ServerRequest>();
  private readonly requestHandlers = new Map<number, ServerRequestHandler>();
  private readonly peerVersions = new Map<string, number>();
  private closing = false;

  /** @param options - see {@link RemotingClientOptions} */
  constructor(options: RemotingClientOptions = {}) {
    this.connectTimeoutMillis = positive('connectTimeoutMillis', options.connectTimeoutMillis ?? 3000);
    this.maxFrameBytes = positive('maxFrameBytes', options.maxFrameBytes ?? DEFAULT_MAX_FRAME_BYTES);
    this.asyncPermits = new Permits(positive('clientAsyncSemaphoreValue', options.clientAsyncSemaphoreValue ?? 65535));
    this.onewayPermits = new Permits(positive('clientOnewaySemaphoreValue', options.clientOnewaySemaphoreValue ?? 65535));
    this.hooks = [...(options.rpcHooks ?? [])];
    this.tls = options.tls ?? null;
    this.requestSerializeType = serializeTypeOption(options.serializeType ?? null);
    this.serverRequests$ = this.serverRequests.asObservable();
  }

  /**
   * The async and oneway permit pools (`clientAsyncSemaphoreValue`, `clientOnewaySemaphoreValue`): size, free
   * permits, requests queued for one now, and requests that ever had to queue.
   */
  permitStats(): { async: PermitStats; oneway: PermitStats } {
    const stats = (p: Permits): PermitStats => ({ total: p.total, available: p.available, waiting: p.waiting, waits: p.waits });
    return { async: stats(this.asyncPermits), oneway: stats(this.onewayPermits) };
  }

  /** Whether a connection to `addr` exists (open or opening). */
  hasConnection(addr: string): boolean {
    return this.channels.has(addr);
  }

  /** Requests waiting for a response (or, for oneway requests, to be written), over all connections. */
  get inflightCount(): number {
    let count = 0;
    for (const channel of this.channels.values()) count += channel.table.size;
    return count;
  }

  /**
   * Sends `request` to `addr` and emits its response. Cold: nothing happens until subscription, which writes the
   * request (opening the connection first if needed). Unsubscribing before the write writes nothing; after it,
   * the pending entry is removed and a late response is ignored.
   *
   * @param addr - `host:port`
   * @param request - the request (its `opaque` correlates the response)
   * @param timeoutMillis - deadline for the response, counted from subscription (connect and permit wait included)
   * @param options - see {@link InvokeOptions}
   * @returns an Observable that emits the response once, then completes; or errors with a {@link RemotingError}
   *   (`RMQ_ERR_REMOTING_TIMEOUT`, `_CONNECT`, `_SEND_REQUEST`, `_TOO_MUCH_REQUEST`), a hook's error, or a
   *   `RangeError` when `timeoutMillis` is not a number ≥ 0.
   */
  invoke$(addr: string, request: RemotingCommand, timeoutMillis: number, options?: InvokeOptions): Observable<RemotingCommand> {
    return new InvokeObservable(this, addr, request, timeoutMillis, options?.async === true ? this.asyncPermits : null, options?.bodyLease ?? null);
  }

  /**
   * {@link invoke$} without an Observable: sends `request` at once and reports to `observer` (`next(response)` then
   * `complete()`, or `error(error)`, exactly once; an RxJS `Subscriber` is such an observer). The cheapest way to
   * send from an operator that already has a subscriber.
   *
   * @param addr - `host:port`
   * @param request - the request (its `opaque` correlates the response)
   * @param timeoutMillis - deadline for the response, counted from this call
   * @param options - see {@link InvokeOptions}
   * @param observer - gets the outcome, as the subscriber of `invoke$` would; it must not throw
   * @returns `unsubscribe()` cancels the request as unsubscribing from `invoke$` does (nothing is reported after it)
   * @example
   * ```ts
   * const pending = client.invokeWith(addr, request, 3000, { async: true }, {
   *   next: (response) => console.log(response.code),
   *   error: (error) => console.error(error),
   *   complete: () => {},
   * });
   * // pending.unsubscribe() to give up
   * ```
   */
  invokeWith(addr: string, request: RemotingCommand, timeoutMillis: number, options: InvokeOptions | undefined, observer: ResponseObserver): Unsubscribable {
    const call = new InvokeCall(this, addr, request, timeoutMillis, options?.async === true ? this.asyncPermits : null, observer, options?.bodyLease ?? null);
    call.start();
    return call;
  }

  /**
   * Promise form of {@link invoke$}.
   * @returns the response; rejects as `invoke$` errors
   */
  invoke(addr: string, request: RemotingCommand, timeoutMillis: number, options?: InvokeOptions): Promise<RemotingCommand> {
    return firstValueFrom(this.invoke$(addr, request, timeoutMillis, options));
  }

  /**
   * Sends a oneway request (sets its oneway flag bit): no response is expected.
   * @returns resolves once the frame is written to the socket; rejects with `RMQ_ERR_REMOTING_TOO_MUCH_REQUEST`
   *   (no oneway permit within `timeoutMillis`), `_TIMEOUT` (not written within `timeoutMillis`), `_CONNECT`,
   *   `_SEND_REQUEST`, or a hook's error
   */
  invokeOneway(addr: string, request: RemotingCommand, timeoutMillis: number): Promise<void> {
    request.flag |= RPC_ONEWAY;
    const call = new OnewayCall(this, addr, request, timeoutMillis, this.onewayPermits);
    call.start();
    return call.promise;
  }

  /**
   * Makes `handler` answer the requests with `code` that servers send to this client (as a Java client registers a
   * processor, e.g. for CHECK_TRANSACTION_STATE or PUSH_REPLY_MESSAGE_TO_CLIENT); it replaces the default answer
   * REQUEST_CODE_NOT_SUPPORTED and any handler registered before for that code.
   * @param code - the request code
   * @param handler - called once per request; answers with `respond` (now or later)
   * @returns removes the handler (if it is still the one registered)
   * @example
   * ```ts
   * const remove = client.handleRequests(RequestCode.PUSH_REPLY_MESSAGE_TO_CLIENT, ({ request, respond }) => {
   *   respond(createResponse(request, ResponseCode.SUCCESS));
   * });
   * ```
   */
  handleRequests(code: number, handler: ServerRequestHandler): () => void {
    this.requestHandlers.set(code, handler);
    return () => {
      if (this.requestHandlers.get(code) === handler) this.requestHandlers.delete(code);
    };
  }

  /**
   * The `version` (MQVersion ordinal) of the last response from `addr`, or `null` before any (e.g. 409 for a 4.9.8
   * broker, ≥ 413 for 5.x).
   * @param addr - `host:port`
   */
  peerVersion(addr: string): number | null {
    return this.peerVersions.get(addr) ?? null;
  }

  /** Adds an RPC hook, run after those already installed. */
  addRPCHook(hook: RPCHook): void {
    this.hooks.push(hook);
  }

  /**
   * Whether requests to `addr` are stuck before the wire: its socket reports backpressure (the peer stopped reading
   * and the buffers are full). `false` when there is no connection to `addr`.
   */
  writeStalled(addr: string): boolean {
    return this.channels.get(addr)?.connection.writeBlocked ?? false;
  }

  /** Closes the connection to `addr` (its pending requests fail at once); the next request opens a new one. */
  closeConnection(addr: string): void {
    this.channels.get(addr)?.connection.close();
  }

  /** Fails everything pending and closes every connection; later requests fail with `RMQ_ERR_REMOTING_CONNECT`. */
  close(): Promise<void> {
    this.closing = true;
    const closes: Promise<unknown>[] = [];
    for (const channel of [...this.channels.values()]) {
      closes.push(firstValueFrom(channel.connection.closed$));
      channel.connection.close();
    }
    this.serverRequests.complete();
    return Promise.all(closes).then(() => undefined);
  }

  /** @internal The channel for `addr`, opened if needed; `null` once the client is closed. */
  channelFor(addr: string): ClientChannel | null {
    const existing = this.channels.get(addr);
    if (existing !== undefined) return existing;
    if (this.closing) return null;
    const connection = Connection.connect(addr, {
      connectTimeoutMillis: this.connectTimeoutMillis,
      maxFrameBytes: this.maxFrameBytes,
      tls: this.tls,
    });
    const channel = new ClientChannel(addr, connection);
    this.channels.set(addr, channel);
    connection.listen((command) => this.onCommand(channel, command));
    connection.closed$.subscribe(({ error, wasOpen }) => {
      if (this.channels.get(addr) === channel) this.channels.delete(addr);
      channel.closedWith = pendingError(addr, error, wasOpen);
      channel.table.rejectAll(channel.closedWith);
    });
    return channel;
  }

  /** @internal */
  closedError(addr: string): RemotingError {
    return new RemotingConnectError(`RemotingClient is closed; no request to ${addr}`, { address: addr, retriable: false });
  }

  /** @internal Runs the before-hooks; returns the first thrown error, or `null`. */
  runBeforeHooks(addr: string, request: RemotingCommand): Error | null {
    const hooks = this.hooks;
    for (let i = 0; i < hooks.length; i++) {
      try {
        hooks[i]!.doBeforeRequest(addr, request);
      } catch (error) {
        return toError(error);
      }
    }
    return null;
  }

  /** @internal Runs the after-hooks; returns the first thrown error, or `null`. */
  runAfterHooks(addr: string, request: RemotingCommand, response: RemotingCommand): Error | null {
    const hooks = this.hooks;
    for (let i = 0; i < hooks.length; i++) {
      try {
        hooks[i]!.doAfterResponse(addr, request, response);
      } catch (error) {
        return toError(error);
      }
    }
    return null;
  }

  private onCommand(channel: ClientChannel, command: RemotingCommand): void {
    if (isResponse(command)) {
      if (channel.peerVersion !== command.version) {
        channel.peerVersion = command.version;
        this.peerVersions.set(channel.address, command.version);
      }
      // Unknown opaques (late or unsolicited responses) are ignored.
      channel.table.resolve(command);
      return;
    }
    const oneway = isOneway(command);
    let answered = oneway;
    const respond = (response: RemotingCommand): void => {
      if (answered || channel.connection.state === 'closed') return;
      answered = true;
      const fixed =
        response.opaque === command.opaque && (response.flag & RPC_TYPE_RESPONSE) !== 0
          ? response
          : { ...response, opaque: command.opaque, flag: response.flag | RPC_TYPE_RESPONSE };
      channel.connection.write(fixed);
    };
    const incoming: ServerRequest = { address: channel.address, request: command, respond };
    const handler = this.requestHandlers.get(command.code);
    if (handler !== undefined) {
      try {
        handler(incoming);
      } catch (error) {
        respond(createResponse(command, ResponseCode.SYSTEM_ERROR, { remark: toError(error).message }));
      }
    }
    if (this.serverRequests.observed) this.serverRequests.next(incoming);
    if (handler === undefined && !answered) {
      respond(createResponse(command, ResponseCode.REQUEST_CODE_NOT_SUPPORTED, { remark: ` request type ${command.code} not supported` }));
    }
  }
}

function pendingError(addr: string, reason: RemotingError | null, wasOpen: boolean): RemotingError {
  // A failed TLS handshake is its own answer (RMQ_ERR_TLS with Node's error as cause): not wrapped again.
  if (reason !== null && reason.code === 'RMQ_ERR_TLS') return reason;
  const options = { address: addr, cause: reason ?? undefined };
  return wasOpen
    ? new RemotingSendRequestError(`Connection to ${addr} closed before the response arrived${reason === null ? '' : ` (${reason.message})`}`, options)
    : new RemotingConnectError(`Could not connect to ${addr}`, options);
}

function positive(name: string, value: number): number {
  if (!Number.isFinite(value) || value <= 0) throw new RangeError(`RemotingClientOptions.${name} must be a positive number, got ${value}`);
  return value;
}

function serializeTypeOption(value: unknown): SerializeTypeValue | null {
  if (value !== null && value !== SerializeType.JSON && value !== SerializeType.ROCKETMQ) {
    throw new RangeError(`RemotingClientOptions.serializeType must be SerializeType.JSON (0), SerializeType.ROCKETMQ (1) or null, got ${String(value)}`);
  }
  return value;
}

function toError(value: unknown): Error {
  return value instanceof Error ? value : new Error(String(value));
}

