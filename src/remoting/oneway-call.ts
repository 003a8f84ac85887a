/**
 * One request of {@link RemotingClient.invokeOneway}.
 *
 * @internal
 */
import { RemotingSendRequestError, RemotingTimeoutError, RemotingTooMuchRequestError, type RemotingError } from '../errors.js';
import type { CallHost, ClientChannel } from './client-channel.js';
import { EMPTY_HEAD } from './client-channel.js';
import type { QueuedFrame } from './connection.js';
import { publishRequest, remotingRequestChannel, remotingTimeoutChannel } from './diagnostics.js';
import type { RemotingTimeoutEvent } from './diagnostics.js';
import type { InflightEntry } from './inflight.js';
import type { Permits, PermitWaiter } from './permits.js';
import { nextOpaque, type RemotingCommand } from './remoting-command.js';

/** A oneway request: settles once written. It sits in the table only until it is handed to the socket. */
export class OnewayCall implements InflightEntry, QueuedFrame, PermitWaiter {
  opaque: number;
  readonly deadline: number;
  slab: Buffer = EMPTY_HEAD;
  slabStart = 0;
  slabEnd = 0;
  largeBody: Buffer | null = null;
  cancelled = false;
  /** Bytes of the encoded frame (0 until it is encoded): for the diagnostics event. */
  private frameBytes = 0;
  private waitingPermit = false;
  private done = false;
  private holdsPermit = false;
  private channel: ClientChannel | null = null;
  private settle: (error: Error | null) => void = noop;
  readonly promise: Promise<void>;

  constructor(
    private readonly client: CallHost,
    private readonly address: string,
    private readonly request: RemotingCommand,
    private readonly timeoutMillis: number,
    private readonly permits: Permits,
  ) {
    this.opaque = request.opaque;
    this.deadline = performance.now() + timeoutMillis;
    this.promise = new Promise<void>((resolve, reject) => {
      this.settle = (error) => (error === null ? resolve() : reject(error));
    });
  }

  start(): void {
    if (!(this.timeoutMillis >= 0)) {
      return this.finish(new RangeError(`timeoutMillis must be a number ≥ 0, got ${this.timeoutMillis}`));
    }
    // Before the hooks, so that they (an ACL signer) see the request as it is sent.
    if (this.client.requestSerializeType !== null) this.request.serializeType = this.client.requestSerializeType;
    const hookError = this.client.runBeforeHooks(this.address, this.request);
    if (hookError !== null) return this.finish(hookError);
    const channel = this.client.channelFor(this.address);
    if (channel === null || channel.closedWith !== null) {
      return this.finish(channel?.closedWith ?? this.client.closedError(this.address));
    }
    this.channel = channel;
    if (!channel.table.add(this)) {
      do this.opaque = nextOpaque();
      while (!channel.table.add(this));
    }
    if (!this.permits.tryAcquire()) {
      this.waitingPermit = true;
      this.permits.wait(this);
      return;
    }
    this.holdsPermit = true;
    this.enqueue();
  }

  grant(): boolean {
    if (!this.waitingPermit || this.done) return false;
    this.waitingPermit = false;
    this.holdsPermit = true;
    this.enqueue();
    return true;
  }

  private enqueue(): void {
    const request = this.request;
    try {
      this.frameBytes = this.channel!.connection.enqueueCommand(this, this.opaque === request.opaque ? request : { ...request, opaque: this.opaque });
    } catch (error) {
      this.channel!.table.remove(this);
      return this.finish(new RemotingSendRequestError('Request cannot be encoded', { cause: error, address: this.address }));
    }
  }

  sent(): void {
    // Written: from now on the socket's write callback settles it; an unsolicited response must find no entry.
    this.channel!.table.remove(this);
  }

  readonly written = (error: RemotingError | null): void => this.finish(error);

  resolve(): void {
    // A response to a oneway request (4.9 servers may send one) is ignored.
  }

  expire(): void {
    if (!this.done && remotingTimeoutChannel.hasSubscribers) {
      remotingTimeoutChannel.publish({
        code: this.request.code,
        addr: this.address,
        timeoutMillis: this.timeoutMillis,
        waitingPermit: this.waitingPermit,
      } satisfies RemotingTimeoutEvent);
    }
    this.finish(
      this.waitingPermit
        ? new RemotingTooMuchRequestError(
            `No oneway permit for ${this.address} within ${this.timeoutMillis} ms (${this.permits.total} in flight)`,
            { address: this.address },
          )
        : new RemotingTimeoutError(`Oneway request to ${this.address} not written within ${this.timeoutMillis} ms`, this.timeoutMillis, {
            address: this.address,
          }),
    );
  }

  fail(error: RemotingError): void {
    this.finish(error);
  }

  private finish(error: Error | null): void {
    if (this.done) return;
    this.done = true;
    if (remotingRequestChannel.hasSubscribers) {
      publishRequest(this.request.code, this.address, this.frameBytes, this.deadline - this.timeoutMillis, true, null, error);
    }
    this.waitingPermit = false;
    this.cancelled = true;
    if (this.holdsPermit) {
      this.holdsPermit = false;
      this.permits.release();
    }
    this.settle(error);
  }
}

function noop(): void {}
