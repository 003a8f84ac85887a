import type { Observable, OperatorFunction } from 'rxjs';
import { defer, map, mergeMap } from 'rxjs';
import type { RemotingClient } from '../../remoting/remoting-client.js';
import type { RemotingCommand } from '../../remoting/remoting-command.js';
import type { MQFaultStrategy } from '../fault/mq-fault-strategy.js';
import type { EncodedContext } from '../send-context.js';
import { lightStep } from './light-step.js';

/** Dependencies of {@link writeWire}. @internal */
export interface WriteWireDeps {
  readonly client: Pick<RemotingClient, 'invoke$' | 'invokeOneway'>;
  /** Learns that the broker failed at the transport level (isolation). */
  readonly faultStrategy: Pick<MQFaultStrategy, 'updateFaultItem'>;
  /** Clock. */
  readonly now?: () => number;
}

/**
 * Writes this attempt's request through the remoting client, with the attempt's share of the send deadline:
 * sync/async wait for the response (async takes an async permit), oneway settles once the request is written and
 * leaves `response` null. Nothing is written before subscription; unsubscribing drops the pending response. A
 * transport failure (connect, write, timeout) marks the broker for the fault strategy before the error goes on.
 * @internal
 */
export function writeWire<C extends EncodedContext>(deps: WriteWireDeps): OperatorFunction<C, C> {
  const now = deps.now ?? Date.now;
  return (source) =>
    source.pipe(
      mergeMap((context) => {
        const { brokerAddr, request, attemptTimeout } = context;
        const wire: Observable<RemotingCommand | null> =
          context.mode === 'oneway'
            ? defer(() => deps.client.invokeOneway(brokerAddr, request, attemptTimeout)).pipe(map(() => null))
            : deps.client.invoke$(brokerAddr, request, attemptTimeout, { async: context.mode === 'async' });
        return wire.pipe(
          lightStep<RemotingCommand | null, C>(
            (response, downstream) => {
              context.response = response;
              downstream.next(context);
            },
            (error, downstream) => {
              deps.faultStrategy.updateFaultItem(context.queue.brokerName, now() - context.attemptStartedAt, true);
              downstream.error(error);
            },
          ),
        );
      }),
    );
}
