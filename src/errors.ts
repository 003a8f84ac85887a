/**
 * Every error rocketmq-rx raises is a {@link RocketMQError}: it has a stable `code` to branch on (never parse the
 * message), a `retriable` flag saying whether the same request may succeed if tried again (on another broker), and
 * the broker or name-server `address` involved where there is one.
 */

/** Options shared by all rocketmq-rx errors. */
export interface RocketMQErrorOptions {
  /** The lower-level error that caused this one. */
  cause?: unknown;
  /** `host:port` of the peer involved, when there is one. */
  address?: string | null;
  /** Whether trying again (normally on another broker) may succeed. */
  retriable?: boolean;
}

const kBrand = Symbol.for('rocketmq-rx.error');

/**
 * Base class of every error thrown or emitted by rocketmq-rx.
 *
 * `instanceof` works across duplicate installs of the package (the check uses a `Symbol.for` brand).
 */
export class RocketMQError extends Error {
  /** Stable machine-readable code, e.g. `RMQ_ERR_REMOTING_TIMEOUT`. */
  readonly code: string;
  /** Whether the operation may succeed if tried again. */
  readonly retriable: boolean;
  /** `host:port` of the peer involved, or `null`. */
  readonly address: string | null;

  constructor(message: string, code: string, options: RocketMQErrorOptions = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = new.target.name;
    this.code = code;
    this.retriable = options.retriable ?? false;
    this.address = options.address ?? null;
  }

  /**
   * `error instanceof RocketMQError` is true for errors of any copy of the package (ESM and CommonJS builds, or two
   * installs); `instanceof` a subclass keeps the usual prototype check.
   * @param value - the value on the left of `instanceof`
   * @returns whether `value` is an error of this class
   */
  static override [Symbol.hasInstance](value: unknown): boolean {
    if (typeof value !== 'object' || value === null) return false;
    // Subclasses keep the normal prototype check; the brand makes the base class match across installs.
    if (this === RocketMQError) return (value as Record<symbol, unknown>)[kBrand] === true;
    return Function.prototype[Symbol.hasInstance].call(this, value);
  }
}
Object.defineProperty(RocketMQError.prototype, kBrand, { value: true });

/** Base class of the transport-level errors (connect, write, timeout, protocol). */
export class RemotingError extends RocketMQError {}

/**
 * The TCP connection could not be opened (refused, unreachable, connect timeout) or closed while a request waited.
 * `code` is `RMQ_ERR_REMOTING_CONNECT`, or `RMQ_ERR_TLS` when the TLS handshake failed (certificate not trusted, wrong
 * host name, a server that does not speak TLS): then `cause` is Node's TLS error and `retriable` is false, since
 * another broker of the same cluster has the same certificate set-up.
 */
export class RemotingConnectError extends RemotingError {
  constructor(message: string, options: RocketMQErrorOptions & { code?: 'RMQ_ERR_REMOTING_CONNECT' | 'RMQ_ERR_TLS' } = {}) {
    const tlsFailure = options.code === 'RMQ_ERR_TLS';
    super(message, options.code ?? 'RMQ_ERR_REMOTING_CONNECT', { retriable: !tlsFailure, ...options });
  }
}

/** The request could not be written, or the connection failed after it was written and before a response came. */
export class RemotingSendRequestError extends RemotingError {
  constructor(message: string, options: RocketMQErrorOptions = {}) {
    super(message, 'RMQ_ERR_REMOTING_SEND_REQUEST', { retriable: true, ...options });
  }
}

/** No response arrived within the request's timeout. */
export class RemotingTimeoutError extends RemotingError {
  /** The timeout that expired, in milliseconds. */
  readonly timeoutMillis: number;
  constructor(message: string, timeoutMillis: number, options: RocketMQErrorOptions = {}) {
    super(message, 'RMQ_ERR_REMOTING_TIMEOUT', { retriable: true, ...options });
    this.timeoutMillis = timeoutMillis;
  }
}

/** Too many async or oneway requests are in flight (`clientAsyncSemaphoreValue` / `clientOnewaySemaphoreValue`). */
export class RemotingTooMuchRequestError extends RemotingError {
  constructor(message: string, options: RocketMQErrorOptions = {}) {
    super(message, 'RMQ_ERR_REMOTING_TOO_MUCH_REQUEST', { retriable: false, ...options });
  }
}

/** The peer sent bytes that are not a valid RocketMQ frame; the connection is closed. */
export class RemotingProtocolError extends RemotingError {
  constructor(message: string, options: RocketMQErrorOptions = {}) {
    super(message, 'RMQ_ERR_REMOTING_PROTOCOL', { retriable: true, ...options });
  }
}

/**
 * A client-side failure of the producer: invalid message or options, no route for a topic, producer not started.
 * `responseCode` carries the Java client's code where one applies (e.g. 10005 NOT_FOUND_TOPIC_EXCEPTION, or the
 * broker/name-server response code that caused it).
 */
export class MQClientError extends RocketMQError {
  /** Response code (wire code or Java client pseudo code such as 10005), or -1. */
  readonly responseCode: number;
  constructor(message: string, responseCode = -1, options: RocketMQErrorOptions & { code?: string } = {}) {
    super(message, options.code ?? 'RMQ_ERR_CLIENT', options);
    this.responseCode = responseCode;
  }
}

/** The broker answered a send with an error response code (see `responseCode` and `remark`). */
export class MQBrokerError extends RocketMQError {
  /** The broker's response code, e.g. 17 TOPIC_NOT_EXIST. */
  readonly responseCode: number;
  /** The broker's remark text, if any. */
  readonly remark: string | null;
  constructor(message: string, responseCode: number, remark: string | null, options: RocketMQErrorOptions & { code?: string } = {}) {
    super(message, options.code ?? 'RMQ_ERR_BROKER', options);
    this.responseCode = responseCode;
    this.remark = remark;
  }
}

/**
 * The broker refused a request for its access control (ACL): a wrong secret, an unknown or missing AccessKey, a
 * topic the account may not publish to. `code` is `RMQ_ERR_ACL_DENIED`; `responseCode` is what the broker answered
 * (1 SYSTEM_ERROR from ACL 1.0 brokers, 4.9 and 5.x alike; 16 NO_PERMISSION from 5.x brokers with ACL 2.0);
 * `reason` is the broker's text without the Java exception class and stack frame; `remark` keeps the raw remark.
 *
 * Never retried on another broker (the Java client does, because code 1 is in its retry list): every broker of a
 * cluster shares the ACL configuration, so a refused key is refused everywhere.
 */
export class MQAclError extends MQBrokerError {
  /** The broker's reason, e.g. `Check signature failed for accessKey=rxUser1`. */
  readonly reason: string;
  constructor(message: string, responseCode: number, remark: string | null, reason: string, options: RocketMQErrorOptions = {}) {
    super(message, responseCode, remark, { ...options, code: 'RMQ_ERR_ACL_DENIED', retriable: false });
    this.reason = reason;
  }
}

/**
 * A producer option has an invalid value. `option` names the field (e.g. `'sendMsgTimeout'`); `code` is
 * `RMQ_ERR_INVALID_OPTION`. Thrown synchronously by `new Producer(options)` / `resolveOptions()`.
 */
export class InvalidOptionError extends MQClientError {
  /** The name of the offending option. */
  readonly option: string;
  constructor(option: string, message: string, options: RocketMQErrorOptions = {}) {
    super(`${option}: ${message}`, -1, { ...options, code: 'RMQ_ERR_INVALID_OPTION', retriable: false });
    this.option = option;
  }
}
