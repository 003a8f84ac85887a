/**
 * What {@link Producer.send} hands `firstValueFrom`: one Observable object per call and one subscriber per send,
 * instead of an Observable with a closure, RxJS's per-`subscribe` wrapping, and an in-flight teardown closure (plus
 * the teardown array it makes RxJS allocate on `firstValueFrom`'s subscriber). Between two round trips of a
 * one-at-a-time sender the CPU caches go cold, so every object and call a sync send does not make counts.
 * Built from RxJS's public API only (the `Observable` and `Subscriber` constructors, the public `subscribe`,
 * `next`/`error`/`complete`/`unsubscribe`).
 * @internal
 */
import { Observable } from 'rxjs';
import type { Observer, Subscriber, Subscription } from 'rxjs';
import type { Message, SendResult } from '../message/message.js';
import type { InflightTracker, SelfTracked } from './async-send-observer.js';
import { releaseTracker } from './async-send-observer.js';
import { isSubscriber } from '../remoting/invoke-observable.js';
import { SlotSubscriber } from './operators/light-step.js';
import type { SendOptions } from './send-options.js';

/** Starts one sync send of `message` into `subscriber` (the producer's `startSend` in sync mode). @internal */
export type SyncSendStart = (message: Message, options: SendOptions, subscriber: SyncSendSubscriber) => void;

/**
 * The subscriber of one sync send: passes the outcome on to the subscriber of {@link SyncSendObservable} (the one
 * `firstValueFrom` made) and, as it settles, lets go of everything the send holds — the attempt chain and the
 * producer's in-flight count — itself, without being a teardown of that subscriber. The first value settles the
 * send, as `firstValueFrom` does.
 * @internal
 */
export class SyncSendSubscriber extends SlotSubscriber<SendResult> implements SelfTracked {
  /** Counts this send in flight until it settles, without a teardown closure. */
  tracker: InflightTracker | null = null;
  trackedSlot = -1;

  /** @param target - where the outcome goes (`firstValueFrom`'s subscriber) */
  constructor(private readonly target: Subscriber<SendResult>) {
    super();
  }

  override next(result: SendResult): void {
    if (this.closed) return;
    this.target.next(result);
    this.unsubscribe();
  }

  override error(error: unknown): void {
    if (this.closed) return;
    this.target.error(error);
    this.unsubscribe();
  }

  override complete(): void {
    if (this.closed) return;
    this.target.complete();
    this.unsubscribe();
  }

  override unsubscribe(): void {
    if (this.closed) return;
    super.unsubscribe();
    releaseTracker(this);
  }
}

/**
 * The cold Observable of one sync send, for `firstValueFrom`: subscribing it with a `Subscriber` starts the send
 * straight into a {@link SyncSendSubscriber} for it (no RxJS `subscribe` wrapping); any other observer goes through
 * RxJS's `subscribe` of an Observable that comes back here with RxJS's own subscriber. A `Subscriber` handed in
 * directly is not unsubscribed before the send settles (`firstValueFrom`'s: a promise cannot be abandoned), so the
 * send is not its teardown: it lets go of what it holds itself as it settles.
 * @internal
 */
export class SyncSendObservable extends Observable<SendResult> {
  constructor(
    private readonly start: SyncSendStart,
    private readonly message: Message,
    private readonly options: SendOptions,
  ) {
    super();
  }

  override subscribe(
    observerOrNext?: Partial<Observer<SendResult>> | ((value: SendResult) => void) | null,
    error?: ((error: unknown) => void) | null,
    complete?: (() => void) | null,
  ): Subscription {
    if (isSubscriber<SendResult>(observerOrNext)) {
      this.startInto(observerOrNext);
      return observerOrNext;
    }
    // A partial observer or callbacks: through RxJS's own subscriber, which then tears the send down when it is
    // unsubscribed (the send is its teardown).
    const viaSubscriber = new Observable<SendResult>((subscriber) => this.startInto(subscriber));
    return viaSubscriber.subscribe(observerOrNext as never, error as never, complete as never);
  }

  /** @internal One send into `subscriber`; a throw fails it, as `subscribe` would. */
  startInto(subscriber: Subscriber<SendResult>): SyncSendSubscriber {
    const send = new SyncSendSubscriber(subscriber);
    try {
      this.start(this.message, this.options, send);
    } catch (error) {
      send.error(error);
    }
    return send;
  }
}
