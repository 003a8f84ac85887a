import type { OperatorFunction, SchedulerLike } from 'rxjs';
import { asyncScheduler, defer, from, map, throwError, timeout } from 'rxjs';
import { RemotingTimeoutError } from '../../errors.js';
import { routeNotFoundError } from '../../route/route-errors.js';
import type { TopicPublishInfo } from '../../route/topic-publish-info.js';
import { hasSendQueues } from '../../route/topic-publish-info.js';
import type { PreparedContext, RoutedContext } from '../send-context.js';
import { lightSwitchInto } from './light-step.js';

/** Dependencies of {@link resolveRoute}. @internal */
export interface ResolveRouteDeps {
  /** The topic's publish info: from the route cache, else the NameServer, else the `createTopicKey` template. */
  readonly lookup: (topic: string) => Promise<TopicPublishInfo>;
  /**
   * The publish info when the cache can answer at once (fresh, with a send queue), else `undefined`; when it
   * answers, the send goes on synchronously, with no promise and no look-up timer.
   */
  readonly cached?: (topic: string) => TopicPublishInfo | undefined;
  /** Template topic, for the error when nothing routes. */
  readonly createTopicKey: string;
  /** Clock and timer of the send deadline. */
  readonly scheduler?: SchedulerLike;
}

/**
 * Finds where the topic's messages may go (the route cache answers at once when it knows the topic; a look-up goes
 * to the NameServer with the TBW102 fallback for a new topic). The look-up counts against the send deadline.
 * Fails with the route cache's `MQClientError` (e.g. `RMQ_ERR_NO_ROUTE`, 10005) when no queue is writable.
 * @internal
 */
export function resolveRoute<C extends PreparedContext>(deps: ResolveRouteDeps): OperatorFunction<C, C & RoutedContext> {
  const scheduler = deps.scheduler ?? asyncScheduler;
  return lightSwitchInto<C, C & RoutedContext>((context, downstream) => {
    const cached = deps.cached?.(context.topic);
    if (cached !== undefined) {
      // The cache answered: straight downstream, no Observable per send.
      context.route = cached;
      downstream.next(context as C & RoutedContext);
      downstream.complete();
      return;
    }
    const left = context.deadline - scheduler.now();
    defer(() => from(deps.lookup(context.topic))).pipe(
      timeout({
        first: Math.max(left, 0),
        scheduler,
        with: () => throwError(() => new RemotingTimeoutError(`route look-up of ${context.topic} timed out`, left)),
      }),
      map((info) => {
        if (!hasSendQueues(info)) throw routeNotFoundError(context.topic, deps.createTopicKey);
        context.route = info;
        return context as C & RoutedContext;
      }),
    ).subscribe(downstream);
  });
}
