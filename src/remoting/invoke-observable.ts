/**
 * The Observable of {@link RemotingClient.invoke$}: one {@link InvokeCall} per subscription, built from RxJS's public
 * API only.
 *
 * A subscription by a `Subscriber` (operators, `firstValueFrom`, …) makes the call report to that subscriber and adds
 * the call to it as its teardown, as `new Observable(subscribe)` would. A subscription by a plain observer object
 * (`invoke$(…).subscribe({ next, error })`, the common case) skips the `SafeSubscriber` RxJS would wrap it in: the
 * call reports to a {@link DirectSubscription}, which calls the observer as `SafeSubscriber` does (an error thrown
 * by a callback is reported through `config.onUnhandledError`, or thrown asynchronously, never into the client).
 *
 * @internal
 */
import { config, Observable, Subscription, type Observer, type Subscriber } from 'rxjs';
import type { BodyLease } from './body-lease.js';
import type { CallHost } from './client-channel.js';
import { InvokeCall } from './invoke-call.js';
import type { Permits } from './permits.js';
import type { RemotingCommand } from './remoting-command.js';
import type { ResponseObserver } from './response-observer.js';

/** @internal */
export class InvokeObservable extends Observable<RemotingCommand> {
  constructor(
    private readonly host: CallHost,
    private readonly address: string,
    private readonly request: RemotingCommand,
    private readonly timeoutMillis: number,
    private readonly permits: Permits | null,
    private readonly lease: BodyLease | null = null,
  ) {
    super();
  }

  override subscribe(
    observerOrNext?: Partial<Observer<RemotingCommand>> | ((value: RemotingCommand) => void) | null,
    error?: ((error: unknown) => void) | null,
    complete?: (() => void) | null,
  ): Subscription {
    if (isSubscriber<RemotingCommand>(observerOrNext)) {
      const call = new InvokeCall(this.host, this.address, this.request, this.timeoutMillis, this.permits, observerOrNext, this.lease);
      startReporting(call, observerOrNext);
      observerOrNext.add(call);
      return observerOrNext;
    }
    if (
      typeof observerOrNext !== 'object' ||
      observerOrNext === null ||
      error !== undefined ||
      complete !== undefined ||
      config.useDeprecatedNextContext ||
      config.useDeprecatedSynchronousErrorHandling
    ) {
      // Functions, the deprecated signatures and settings: RxJS's own subscriber, subscribing back here with it.
      const viaSubscriber = new Observable<RemotingCommand>((subscriber) => void this.subscribe(subscriber));
      return viaSubscriber.subscribe(observerOrNext as never, error as never, complete as never);
    }
    const subscription = new DirectSubscription(observerOrNext);
    const call = new InvokeCall(this.host, this.address, this.request, this.timeoutMillis, this.permits, subscription, this.lease);
    subscription.call = call;
    startReporting(call, subscription);
    return subscription;
  }
}

/** Starts `call`; should starting throw (it reports its failures itself), the error goes to `sink`. */
function startReporting(call: InvokeCall, sink: ResponseObserver): void {
  try {
    call.start();
  } catch (error) {
    sink.error(error);
  }
}

/**
 * RxJS's own test: a `Subscriber`, or something with an observer's and a subscription's methods (another RxJS copy).
 * The Observables that start their work straight into a subscriber (`InvokeObservable`, the producer's sync send)
 * use it to tell a subscriber from a partial observer.
 * @internal
 */
export function isSubscriber<T>(value: unknown): value is Subscriber<T> {
  if (typeof value !== 'object' || value === null) return false;
  const candidate = value as Partial<Subscriber<T>>;
  return (
    typeof candidate.next === 'function' &&
    typeof candidate.error === 'function' &&
    typeof candidate.complete === 'function' &&
    typeof candidate.add === 'function' &&
    typeof candidate.remove === 'function' &&
    typeof candidate.unsubscribe === 'function' &&
    'closed' in candidate
  );
}

/** What `SafeSubscriber` does with an error it cannot hand to anyone: `config.onUnhandledError`, or a later throw. */
function reportUnhandledError(error: unknown): void {
  setTimeout(() => {
    const onUnhandledError = config.onUnhandledError;
    if (onUnhandledError !== null) onUnhandledError(error);
    else throw error;
  });
}

/**
 * The subscription handed to a plain observer: it calls the observer's callbacks with `SafeSubscriber`'s rules
 * (nothing after unsubscribe, error or complete; a throwing callback reported, not rethrown; a missing `error`
 * callback reports the error) and unsubscribing it cancels the call.
 * @internal
 */
export class DirectSubscription extends Subscription implements ResponseObserver {
  /** The call it reports for (cancelled on unsubscribe). */
  call: InvokeCall | null = null;

  constructor(private readonly observer: Partial<Observer<RemotingCommand>>) {
    super();
  }

  next(response: RemotingCommand): void {
    if (this.closed) return;
    const observer = this.observer;
    if (typeof observer.next === 'function') {
      try {
        observer.next(response);
      } catch (error) {
        reportUnhandledError(error);
      }
    }
  }

  error(error: unknown): void {
    if (this.closed) return;
    const observer = this.observer;
    try {
      if (typeof observer.error === 'function') observer.error(error);
      else reportUnhandledError(error);
    } catch (thrown) {
      reportUnhandledError(thrown);
    }
    this.unsubscribe();
  }

  complete(): void {
    if (this.closed) return;
    const observer = this.observer;
    if (typeof observer.complete === 'function') {
      try {
        observer.complete();
      } catch (error) {
        reportUnhandledError(error);
      }
    }
    this.unsubscribe();
  }

  override unsubscribe(): void {
    if (this.closed) return;
    const call = this.call;
    this.call = null;
    // As with RxJS's subscriber: the call's teardown first, then what was added to the subscription.
    call?.unsubscribe();
    super.unsubscribe();
  }
}
