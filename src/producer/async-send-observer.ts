/**
 * The observer behind {@link Producer.sendAsync}: one object per send instead of a handful of closures, since it
 * stays alive (with the rest of the send) until the broker answers.
 * @internal
 */
import type { Observer } from 'rxjs';
import { MQClientError } from '../errors.js';
import type { SendResult } from '../message/message.js';
import type { CallbackErrorEvent } from './diagnostics.js';
import { callbackErrorChannel } from './diagnostics.js';
import type { SendCallback } from './send-options.js';

type Which = 'onSuccess' | 'onException';

/**
 * Calls exactly one of the callbacks, exactly once, never before `sendAsync` returned (`returned` is set then);
 * a throwing callback is reported on `rocketmq:producer:callbackError`.
 * @internal
 */
export class AsyncSendObserver implements Observer<SendResult> {
  /** Set once `sendAsync` has returned; callbacks settling before that run in a microtask. */
  returned = false;
  private fired = false;

  constructor(
    private readonly callback: SendCallback,
    private readonly producerId: number,
    private readonly producerGroup: string,
  ) {}

  next(result: SendResult): void {
    this.fire('onSuccess', result);
  }

  error(error: unknown): void {
    this.fire('onException', error instanceof Error ? error : new Error(String(error)));
  }

  complete(): void {
    // Every successful send completes after its value: build the error only when no value came (an Error captures
    // a stack, which is costly on the hot path).
    if (!this.fired) this.fire('onException', new MQClientError('the send completed without a result', -1, { code: 'RMQ_ERR_NO_RESULT' }));
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
