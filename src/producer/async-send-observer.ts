/**
 * The subscriber behind {@link Producer.sendAsync}: one object per send instead of a handful of closures, since it
 * stays alive (with the rest of the send) until the broker answers. It is a `Subscriber` itself (public API: the
 * public notifications overridden), so `subscribe` takes it as it is instead of wrapping a plain observer in a
 * `SafeSubscriber` (which binds each of its methods).
 * @internal
 */
import { MQClientError } from '../errors.js';
import type { SendResult } from '../message/message.js';
import type { CallbackErrorEvent } from './diagnostics.js';
import { callbackErrorChannel } from './diagnostics.js';
import { SlotSubscriber } from './operators/light-step.js';
import type { SendCallback } from './send-options.js';

type Which = 'onSuccess' | 'onException';

/** Where a send counted in flight is let go once it is unsubscribed. @internal */
export interface InflightTracker {
  untrack(subscriber: object): void;
}

/** A send subscriber that lets go of the producer's in-flight count itself when it is unsubscribed. @internal */
export interface SelfTracked {
  tracker: InflightTracker | null;
  /** Its slot among the producer's sends in flight while it is counted there, else -1. */
  trackedSlot: number;
}

/** Lets go of `subscriber`'s in-flight count, once (called from its `unsubscribe`). @internal */
export function releaseTracker(subscriber: SelfTracked): void {
  const tracker = subscriber.tracker;
  if (tracker !== null) {
    subscriber.tracker = null;
    tracker.untrack(subscriber);
  }
}

/**
 * Calls exactly one of the callbacks, exactly once, never before `sendAsync` returned (`returned` is set then);
 * a throwing callback is reported on `rocketmq:producer:callbackError`.
 * @internal
 */
export class AsyncSendObserver extends SlotSubscriber<SendResult> {
  /** Set once `sendAsync` has returned; callbacks settling before that run in a microtask. */
  returned = false;
  private fired = false;
  /** Counts this send in flight until it is unsubscribed (settled or abandoned), without a teardown closure. */
  tracker: InflightTracker | null = null;
  trackedSlot = -1;

  constructor(
    private readonly callback: SendCallback,
    private readonly producerId: number,
    private readonly producerGroup: string,
  ) {
    super();
  }

  override next(result: SendResult): void {
    // Unsubscribed (the send abandoned): no callback.
    if (this.closed) return;
    this.fire('onSuccess', result);
  }

  override error(error: unknown): void {
    if (this.closed) return;
    this.fire('onException', error instanceof Error ? error : new Error(String(error)));
    // As Subscriber: a settled send releases what it holds (its teardowns, e.g. the producer's in-flight count).
    this.unsubscribe();
  }

  override complete(): void {
    if (this.closed) return;
    // Every successful send completes after its value: build the error only when no value came (an Error captures
    // a stack, which is costly on the hot path).
    if (!this.fired) this.fire('onException', new MQClientError('the send completed without a result', -1, { code: 'RMQ_ERR_NO_RESULT' }));
    this.unsubscribe();
  }

  override unsubscribe(): void {
    if (this.closed) return;
    super.unsubscribe();
    releaseTracker(this);
  }

  private fire(which: Which, value: SendResult | Error): void {
    if (this.fired) return;
    this.fired = true;
    // A send refused before any I/O settles during subscribe(); the callback still runs after sendAsync returned.
    if (this.returned) this.call(which, value);
    else queueMicrotask(() => this.call(which, value));
  }

  private call(which: Which, value: SendResult | Error): void {
    try {
      if (which === 'onSuccess') this.callback.onSuccess?.(value as SendResult);
      else this.callback.onException?.(value as Error);
    } catch (error) {
      if (callbackErrorChannel.hasSubscribers) {
        callbackErrorChannel.publish({
          producerId: this.producerId,
          producerGroup: this.producerGroup,
          callback: which,
          error,
        } satisfies CallbackErrorEvent);
      }
    }
  }
}
