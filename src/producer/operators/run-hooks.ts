import type { OperatorFunction } from 'rxjs';
import type { Observable } from 'rxjs';
import { of, tap, throwError } from 'rxjs';
import { MQClientError, RemotingTimeoutError } from '../../errors.js';
import type { SendResult } from '../../message/message.js';
import { decodeProperties } from '../../message/properties.js';
import { publishHookError } from '../diagnostics.js';
import type { CheckForbiddenContext, CheckForbiddenHook, OutgoingMessage, SendMessageContext, SendMessageHook } from '../hooks.js';
import type { CompressedContext } from '../send-context.js';
import { lightChoice, lightSwitch } from './light-step.js';

/** Dependencies of {@link runHooks}. @internal */
export interface RunHooksDeps {
  readonly checkForbiddenHooks: readonly CheckForbiddenHook[];
  readonly sendMessageHooks: readonly SendMessageHook[];
  /** Producer group as sent. */
  readonly producerGroup: string;
  /** Tags hook-error events. */
  readonly producerId: number;
  /** Name servers, `;`-joined. */
  readonly nameSrvAddr: string;
  /** Client IP. */
  readonly bornHost: string;
  readonly namespace: string | null;
  readonly unitMode: boolean;
}

function outgoing(context: CompressedContext): OutgoingMessage {
  return {
    topic: context.topic,
    properties: decodeProperties(context.properties),
    body: context.wireBody,
    flag: context.message.flag ?? 0,
    original: context.message,
  };
}

/**
 * Runs the hooks around the rest of an attempt (`inner`: encode → write → correlate → result), as the Java
 * `sendKernelImpl` does: every `checkForbidden` first (a throw refuses the send with `RMQ_ERR_SEND_FORBIDDEN`, not
 * retried), then every `sendMessageBefore`, then `inner`, then every `sendMessageAfter` exactly once with the
 * result or the error. Before/after throws are isolated: published on `rocketmq:producer:hookError`, the send goes on.
 * @internal
 */
export function runHooks<C extends CompressedContext, R extends SendResult>(
  deps: RunHooksDeps,
  inner: OperatorFunction<C, R>,
): OperatorFunction<C, R> {
  // The lists are read per send, so hooks registered after start() apply to later sends.
  const { checkForbiddenHooks, sendMessageHooks } = deps;

  const after = (hookContext: SendMessageContext): void => {
    for (const hook of sendMessageHooks) {
      try {
        hook.sendMessageAfter?.(hookContext);
      } catch (error) {
        publishHookError(deps, hook.name, 'sendMessageAfter', error);
      }
    }
  };

  const withHooks: OperatorFunction<C, R> = lightSwitch<C, R>((context) => {
    if (checkForbiddenHooks.length === 0 && sendMessageHooks.length === 0) return of(context).pipe(inner);
    const message = outgoing(context);
    if (checkForbiddenHooks.length > 0) {
      const forbidden: CheckForbiddenContext = {
        nameSrvAddr: deps.nameSrvAddr,
        group: deps.producerGroup,
        message,
        mq: context.queue,
        brokerAddr: context.brokerAddr,
        communicationMode: context.mode,
        unitMode: deps.unitMode,
      };
      for (const hook of checkForbiddenHooks) {
        try {
          hook.checkForbidden(forbidden);
        } catch (error) {
          return throwError(
            () =>
              new MQClientError(`send refused by checkForbidden hook ${hook.name}`, -1, {
                code: 'RMQ_ERR_SEND_FORBIDDEN',
                cause: error,
              }),
          );
        }
      }
    }
    if (sendMessageHooks.length === 0) return of(context).pipe(inner);

    const hookContext: SendMessageContext = {
      producerGroup: deps.producerGroup,
      communicationMode: context.mode,
      bornHost: deps.bornHost,
      brokerAddr: context.brokerAddr,
      message,
      mq: context.queue,
      msgType: context.msgType,
      namespace: deps.namespace,
      mqTraceContext: null,
      props: null,
      sendResult: null,
      exception: null,
    };
    context.hookContext = hookContext;
    for (const hook of sendMessageHooks) {
      try {
        hook.sendMessageBefore?.(hookContext);
      } catch (error) {
        publishHookError(deps, hook.name, 'sendMessageBefore', error);
      }
    }
    let settled = false;
    const settle = (): void => {
      if (settled) return;
      settled = true;
      after(hookContext);
    };
    return of(context).pipe(
      inner,
      tap({
        next: (result) => {
          hookContext.sendResult = result;
          settle();
        },
        error: (error: unknown) => {
          hookContext.exception = error instanceof Error ? error : new Error(String(error));
          settle();
        },
        complete: settle,
        // Cut off by the send deadline or cancelled by the caller: the hooks still see the attempt end.
        unsubscribe: () => {
          if (settled) return;
          const timedOut = Date.now() >= context.attemptStartedAt + context.attemptTimeout;
          hookContext.exception = timedOut
            ? new RemotingTimeoutError(`send attempt timed out after ${context.attemptTimeout} ms`, context.attemptTimeout, {
                address: context.brokerAddr,
              })
            : new MQClientError('send attempt abandoned (unsubscribed) before it settled', -1, { code: 'RMQ_ERR_SEND_ABANDONED' });
          settle();
        },
      }),
    );
  });
  // Decided per subscription (each attempt is one): without hooks the attempt goes straight through `inner`, with
  // no extra subscriber level for its whole round trip.
  // Both chains are built once per source (a pipeline composes its steps once), not per attempt.
  return (source) => {
    let plain: Observable<R> | null = null;
    let hooked: Observable<R> | null = null;
    return lightChoice<R>(() =>
      checkForbiddenHooks.length === 0 && sendMessageHooks.length === 0
        ? (plain ??= source.pipe(inner))
        : (hooked ??= source.pipe(withHooks)),
    );
  };
}
