import type { OperatorFunction } from 'rxjs';
import { RemotingProtocolError } from '../../errors.js';
import { isResponse } from '../../remoting/remoting-command.js';
import type { EncodedContext } from '../send-context.js';
import { lightStep } from './light-step.js';

/**
 * Checks that what came back answers this attempt's request: a response (flag bit 0) carrying the request's opaque.
 * The remoting client matches responses to requests by opaque; this is the producer's guard that the match holds,
 * so a mismatched answer can never become another message's result. Oneway attempts (no response) pass through.
 * @internal
 */
export function correlate<C extends EncodedContext>(): OperatorFunction<C, C> {
  return lightStep<C, C>((context, downstream) => {
    const response = context.response;
    if (response !== null && (!isResponse(response) || response.opaque !== context.request.opaque)) {
      throw new RemotingProtocolError(
        `response opaque ${response.opaque} does not answer request ${context.request.opaque}`,
        { address: context.brokerAddr },
      );
    }
    if (response === null && context.mode !== 'oneway') {
      throw new RemotingProtocolError('no response to a request that expects one', { address: context.brokerAddr });
    }
    downstream.next(context);
  });
}
