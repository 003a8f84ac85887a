import type { OperatorFunction } from 'rxjs';
import { map } from 'rxjs';
import { RequestCode } from '../../remoting/request-code.js';
import { createRequest } from '../../remoting/remoting-command.js';
import type { CompressedContext, EncodedContext } from '../send-context.js';

/** Options of {@link encodeRequest}. @internal */
export interface EncodeRequestOptions {
  /** Producer group as sent (namespaced). */
  readonly producerGroup: string;
  /** `c`: the auto-create template topic. */
  readonly createTopicKey: string;
  /** `d`: queues per broker of an auto-created topic. */
  readonly defaultTopicQueueNums: number;
  /** `k`. */
  readonly unitMode: boolean;
  /** Clock for `g` (bornTimestamp). */
  readonly now?: () => number;
}

/**
 * Builds this attempt's SEND_MESSAGE_V2 (310) request: the V2 short header `a`…`n` with every value a string, in
 * the order the Java client writes it (spec §8.2), the oneway flag bit for oneway sends, and the wire body. A new
 * request (so a new opaque and the header of the newly selected queue) is made for every attempt.
 * @internal
 */
export function encodeRequest<C extends CompressedContext>(options: EncodeRequestOptions): OperatorFunction<C, C & EncodedContext> {
  const now = options.now ?? Date.now;
  const group = options.producerGroup;
  const createTopicKey = options.createTopicKey;
  const queueNums = String(options.defaultTopicQueueNums);
  const unitMode = options.unitMode ? 'true' : 'false';
  return (source) =>
    source.pipe(
      map((context) => {
        const extFields: Record<string, string> = {
          a: group,
          b: context.topic,
          c: createTopicKey,
          d: queueNums,
          e: String(context.queue.queueId),
          f: String(context.sysFlag),
          g: String(now()),
          h: String(context.message.flag ?? 0),
          i: context.properties,
          j: '0',
          k: unitMode,
          m: 'false',
          n: context.queue.brokerName,
        };
        context.request = createRequest(RequestCode.SEND_MESSAGE_V2, extFields, {
          body: context.wireBody,
          oneway: context.mode === 'oneway',
        });
        return context as C & EncodedContext;
      }),
    );
}
