/**
 * Diagnostics channels of the remoting layer (`node:diagnostics_channel`). A payload is built only when the
 * channel has subscribers, so an unobserved client pays one `hasSubscribers` read per event.
 */
import diagnosticsChannel from 'node:diagnostics_channel';

/** Payload of `rocketmq:remoting:connect`: an outbound connection opened, or failed to. */
export interface RemotingConnectEvent {
  /** `host:port`. */
  readonly addr: string;
  /** Milliseconds from the connect call to the outcome. */
  readonly durationMillis: number;
  /** The failure (`RMQ_ERR_REMOTING_CONNECT`), or `null` when the connection opened. */
  readonly error: Error | null;
}

/** Payload of `rocketmq:remoting:close`: an outbound connection that was open has closed. */
export interface RemotingCloseEvent {
  /** `host:port`. */
  readonly addr: string;
  /** Why it closed, or `null` for an orderly local close. */
  readonly error: Error | null;
}

/** Payload of `rocketmq:remoting:request`: one request settled (response, write of a oneway, or error). */
export interface RemotingRequestEvent {
  /** Request code (`RequestCode`). */
  readonly code: number;
  /** `host:port` it went to. */
  readonly addr: string;
  /** Bytes of the request frame (head and body; 0 when it was never encoded). */
  readonly bytes: number;
  /** Milliseconds from the call to the outcome (permit wait and connect included). */
  readonly durationMillis: number;
  /** Whether it was a oneway request. */
  readonly oneway: boolean;
  /** The response's code, or `null` (oneway, error). */
  readonly responseCode: number | null;
  /** The error, or `null`. */
  readonly error: Error | null;
}

/** Payload of `rocketmq:remoting:timeout`: a request got no response (or no permit, or was not written) in time. */
export interface RemotingTimeoutEvent {
  /** Request code. */
  readonly code: number;
  /** `host:port`. */
  readonly addr: string;
  /** The timeout that passed, ms. */
  readonly timeoutMillis: number;
  /** `true` when it was still waiting for a permit (the error is then `RMQ_ERR_REMOTING_TOO_MUCH_REQUEST`). */
  readonly waitingPermit: boolean;
}

/** `rocketmq:remoting:connect` ({@link RemotingConnectEvent}). */
export const remotingConnectChannel = diagnosticsChannel.channel('rocketmq:remoting:connect');
/** `rocketmq:remoting:close` ({@link RemotingCloseEvent}). */
export const remotingCloseChannel = diagnosticsChannel.channel('rocketmq:remoting:close');
/** `rocketmq:remoting:request` ({@link RemotingRequestEvent}). */
export const remotingRequestChannel = diagnosticsChannel.channel('rocketmq:remoting:request');
/** `rocketmq:remoting:timeout` ({@link RemotingTimeoutEvent}). */
export const remotingTimeoutChannel = diagnosticsChannel.channel('rocketmq:remoting:timeout');

/** Publishes a settled request (callers check `remotingRequestChannel.hasSubscribers` first). @internal */
export function publishRequest(
  code: number,
  addr: string,
  bytes: number,
  startedAt: number,
  oneway: boolean,
  responseCode: number | null,
  error: Error | null,
): void {
  remotingRequestChannel.publish({
    code,
    addr,
    bytes,
    durationMillis: performance.now() - startedAt,
    oneway,
    responseCode,
    error,
  } satisfies RemotingRequestEvent);
}
