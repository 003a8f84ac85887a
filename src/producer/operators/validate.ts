import type { OperatorFunction } from 'rxjs';
import { map } from 'rxjs';
import { MQClientError } from '../../errors.js';
import { checkMessage } from '../../message/validators.js';
import type { SendContext, ValidatedContext } from '../send-context.js';

/** Life-cycle state of a producer (Java `ServiceState`). */
export type ProducerState = 'CREATE_JUST' | 'START_FAILED' | 'RUNNING' | 'SHUTDOWN_ALREADY';

/** Dependencies of {@link validate}. @internal */
export interface ValidateDeps {
  /** The producer's current state. */
  readonly state: () => ProducerState;
  /** Largest body accepted, bytes. */
  readonly maxMessageSize: number;
}

/** The `MQClientError` a send gets when the producer is not running. @internal */
export function notRunningError(state: ProducerState): MQClientError {
  return state === 'SHUTDOWN_ALREADY'
    ? new MQClientError('The producer is shut down: create a new Producer to send again', -1, {
        code: 'RMQ_ERR_PRODUCER_SHUT_DOWN',
      })
    : new MQClientError(`The producer is not running (state ${state}): await producer.start() before sending`, -1, {
        code: 'RMQ_ERR_PRODUCER_NOT_STARTED',
      });
}

/**
 * Fails fast, before any I/O: the producer must be running (`RMQ_ERR_PRODUCER_NOT_STARTED` /
 * `RMQ_ERR_PRODUCER_SHUT_DOWN`), and the message must pass the Java `Validators` checks (topic, body, properties;
 * the `code`s of `MessageErrorCode`). Sets `body` (bytes as given, a string as UTF-8, an object as msgpack) and
 * `contentType`.
 * @internal
 */
export function validate<C extends SendContext>(deps: ValidateDeps): OperatorFunction<C, C & ValidatedContext> {
  return (source) =>
    source.pipe(
      map((context) => {
        const state = deps.state();
        if (state !== 'RUNNING') throw notRunningError(state);
        // checkMessage encodes the body to measure it; keep the bytes so that nothing encodes it twice.
        const { bytes, contentType } = checkMessage(context.message, deps.maxMessageSize);
        context.body = bytes;
        context.contentType = contentType;
        return context as C & ValidatedContext;
      }),
    );
}
