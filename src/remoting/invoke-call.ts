/**
 * One request/response exchange of {@link RemotingClient.invoke$}.
 *
 * @internal
 */
import { RemotingSendRequestError, RemotingTimeoutError, RemotingTooMuchRequestError, type RemotingError } from '../errors.js';
import type { BodyLease } from './body-lease.js';
import type { CallHost, ClientChannel } from './client-channel.js';
import { EMPTY_HEAD } from './client-channel.js';
import type { QueuedFrame } from './connection.js';
import { publishRequest, remotingRequestChannel, remotingTimeoutChannel } from './diagnostics.js';
import type { RemotingTimeoutEvent } from './diagnostics.js';
import type { InflightEntry } from './inflight.js';
import type { Permits, PermitWaiter } from './permits.js';
import { nextOpaque, type RemotingCommand } from './remoting-command.js';
import type { ResponseObserver } from './response-observer.js';

const enum CallState {
  Created,
  WaitingPermit,
  Queued,
  Sent,
  Done,
}

/** One request/response exchange; it is at once the inflight entry, the queued frame and the permit waiter. */
export class InvokeCall implements InflightEntry, QueuedFrame, PermitWaiter {
  opaque: number;
  readonly deadline: number;
  slab: Buffer = EMPTY_HEAD;
  slabStart = 0;
  slabEnd = 0;
  largeBody: Buffer | null = null;
  cancelled = false;
  /** Bytes of the encoded frame (0 until it is encoded): for the diagnostics event. */
  private frameBytes = 0;
  private state = CallState.Created;
  private permits: Permits | null = null;
  private channel: ClientChannel | null = null;

  constructor(
    private readonly client: CallHost,
    private readonly address: string,
    private readonly request: RemotingCommand,
    private readonly timeoutMillis: number,
    private readonly permitPool: Permits | null,
    private readonly subscriber: ResponseObserver,
    /** The request body's owner, told when the queued frame no longer reads the body (see {@link BodyLease}). */
    private lease: BodyLease | null = null,
  ) {
    this.opaque = request.opaque;
    this.deadline = performance.now() + timeoutMillis;
  }

  start(): void {
    const client = this.client;
    if (!(this.timeoutMillis >= 0)) {
      this.finishWithError(new RangeError(`timeoutMillis must be a number ≥ 0, got ${this.timeoutMillis}`));
      return;
    }
    // Before the hooks, so that they (an ACL signer) see the request as it is sent.
    if (client.requestSerializeType !== null) this.request.serializeType = client.requestSerializeType;
    const hookError = client.runBeforeHooks(this.address, this.request);
    if (hookError !== null) {
      this.finishWithError(hookError);
      return;
    }
    const channel = client.channelFor(this.address);
    if (channel === null || channel.closedWith !== null) {
      // Closed client, or a connection that failed synchronously (e.g. an invalid address).
      this.finishWithError(channel?.closedWith ?? client.closedError(this.address));
      return;
    }
    this.channel = channel;
    if (!channel.table.add(this)) {
      // Another exchange with the same opaque is in flight (e.g. the same request subscribed twice): use a fresh
      // opaque for this one rather than mixing up their responses.
      do this.opaque = nextOpaque();
      while (!channel.table.add(this));
    }
    const pool = this.permitPool;
    if (pool !== null) {
      if (!pool.tryAcquire()) {
        this.state = CallState.WaitingPermit;
        pool.wait(this);
        return;
      }
      this.permits = pool;
    }
    this.enqueue();
  }

  grant(): boolean {
    if (this.state !== CallState.WaitingPermit) return false;
    this.permits = this.permitPool;
    this.enqueue();
    return true;
  }

  private enqueue(): void {
    const request = this.request;
    this.state = CallState.Queued;
    // The body's owner holds it for this frame until the connection calls released().
    this.lease?.retain();
    try {
      this.frameBytes = this.channel!.connection.enqueueCommand(this, this.opaque === request.opaque ? request : { ...request, opaque: this.opaque });
    } catch (error) {
      this.released();
      this.channel!.table.remove(this);
      this.finishWithError(new RemotingSendRequestError('Request cannot be encoded', { cause: error, address: this.address }));
    }
  }

  sent(): void {
    this.state = CallState.Sent;
  }

  /** The connection no longer reads this frame's body: give it back to its owner (once). */
  released(): void {
    const lease = this.lease;
    if (lease !== null) {
      this.lease = null;
      lease.release();
    }
  }

  resolve(response: RemotingCommand): void {
    if (this.state === CallState.Done) return;
    const hookError = this.client.runAfterHooks(this.address, this.request, response);
    if (hookError !== null) {
      this.finishWithError(hookError);
      return;
    }
    this.state = CallState.Done;
    this.releasePermit();
    if (remotingRequestChannel.hasSubscribers) this.publish(response.code, null);
    this.subscriber.next(response);
    this.subscriber.complete();
  }

  expire(): void {
    if (this.state === CallState.Done) return;
    if (remotingTimeoutChannel.hasSubscribers) {
      remotingTimeoutChannel.publish({
        code: this.request.code,
        addr: this.address,
        timeoutMillis: this.timeoutMillis,
        waitingPermit: this.state === CallState.WaitingPermit,
      } satisfies RemotingTimeoutEvent);
    }
    if (this.state === CallState.WaitingPermit) {
      this.finishWithError(
        new RemotingTooMuchRequestError(
          `No permit for a request to ${this.address} within ${this.timeoutMillis} ms (${this.permitPool!.total} in flight)`,
          { address: this.address },
        ),
      );
      return;
    }
    this.finishWithError(
      new RemotingTimeoutError(`No response from ${this.address} within ${this.timeoutMillis} ms`, this.timeoutMillis, {
        address: this.address,
      }),
    );
  }

  fail(error: RemotingError): void {
    this.finishWithError(error);
  }

  /** Teardown: unsubscribing removes the entry and, if not written yet, keeps it from being written. */
  unsubscribe(): void {
    if (this.state === CallState.Done) return;
    this.state = CallState.Done;
    this.cancelled = true;
    this.channel?.table.remove(this);
    this.releasePermit();
  }

  private finishWithError(error: Error): void {
    if (this.state === CallState.Done) return;
    this.state = CallState.Done;
    this.cancelled = true;
    this.releasePermit();
    if (remotingRequestChannel.hasSubscribers) this.publish(null, error);
    this.subscriber.error(error);
  }

  private publish(responseCode: number | null, error: Error | null): void {
    publishRequest(this.request.code, this.address, this.frameBytes, this.deadline - this.timeoutMillis, false, responseCode, error);
  }

  private releasePermit(): void {
    const permits = this.permits;
    if (permits !== null) {
      this.permits = null;
      permits.release();
    }
  }
}
