import type { OperatorFunction, Subscriber } from 'rxjs';
import { defer } from 'rxjs';
import type { RemotingClient } from '../../remoting/remoting-client.js';
import type { RemotingCommand } from '../../remoting/remoting-command.js';
import type { MQFaultStrategy } from '../fault/mq-fault-strategy.js';
import type { EncodedContext } from '../send-context.js';
import { lightSwitchThrough } from './light-step.js';

const ASYNC_INVOKE = { async: true } as const;
const SYNC_INVOKE = { async: false } as const;

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
  // The response (oneway: the write) arrives with the attempt's context as the step's state.
  const onAnswer = (response: RemotingCommand | void, downstream: Subscriber<C>, context: C): void => {
    context.response = context.mode === 'oneway' ? null : (response as RemotingCommand);
    downstream.next(context);
  };
  const onFailure = (error: unknown, downstream: Subscriber<C>, context: C): void => {
    deps.faultStrategy.updateFaultItem(context.queue.brokerName, now() - context.attemptStartedAt, true);
    downstream.error(error);
  };
  // The wire Observable is subscribed straight with the chain's subscriber (no subscriber of its own per attempt).
  return lightSwitchThrough<C, RemotingCommand | void, C>(
    (context, inner) => {
      const { brokerAddr, request, attemptTimeout } = context;
      if (context.mode === 'oneway') {
        defer(() => deps.client.invokeOneway(brokerAddr, request, attemptTimeout)).subscribe(inner);
        return;
      }
      const lease = context.bodyLease;
      const options =
        lease === null ? (context.mode === 'async' ? ASYNC_INVOKE : SYNC_INVOKE) : { async: context.mode === 'async', bodyLease: lease };
      deps.client.invoke$(brokerAddr, request, attemptTimeout, options).subscribe(inner);
    },
    onAnswer,
    onFailure,
  );
}
