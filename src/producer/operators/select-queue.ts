import type { OperatorFunction } from 'rxjs';
import { map } from 'rxjs';
import { MQClientError } from '../../errors.js';
import type { MQFaultStrategy } from '../fault/mq-fault-strategy.js';
import { masterAddress } from '../../route/topic-publish-info.js';
import { vipChannelAddress } from '../namespace.js';
import type { QueuedContext, RoutedContext } from '../send-context.js';

/** Dependencies of {@link selectQueue}. @internal */
export interface SelectQueueDeps {
  /** Round robin, other broker on retry, latency fault avoidance. */
  readonly faultStrategy: Pick<MQFaultStrategy, 'selectOneMessageQueue'>;
  /** Java `sendLatencyFaultEnable`. */
  readonly sendLatencyFaultEnable: boolean;
  /** Java `sendMessageWithVIPChannel`. */
  readonly sendMessageWithVIPChannel: boolean;
}

/**
 * Picks the queue of this attempt through the fault strategy, passing the broker of the previous attempt so that a
 * retry goes to another broker, and resolves the master address of its broker (the VIP address when enabled).
 * Fails with `MQClientError` `RMQ_ERR_BROKER_NOT_FOUND` (10003, retriable) when the route has no master address
 * for the broker.
 * @internal
 */
export function selectQueue<C extends RoutedContext>(deps: SelectQueueDeps): OperatorFunction<C, C & QueuedContext> {
  return (source) =>
    source.pipe(
      map((context) => {
        const last = context.queue === null ? null : context.queue.brokerName;
        const queue = deps.faultStrategy.selectOneMessageQueue(context.route, last, deps.sendLatencyFaultEnable);
        const addr = masterAddress(context.route, queue.brokerName);
        if (addr === null) {
          throw new MQClientError(`The broker[${queue.brokerName}] not exist`, 10003, {
            code: 'RMQ_ERR_BROKER_NOT_FOUND',
            retriable: true,
          });
        }
        context.lastBrokerName = last;
        context.queue = queue;
        context.brokerAddr = vipChannelAddress(deps.sendMessageWithVIPChannel, addr);
        context.brokersSent.push(queue.brokerName);
        return context as C & QueuedContext;
      }),
    );
}
