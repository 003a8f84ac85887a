import type { OperatorFunction } from 'rxjs';
import { map } from 'rxjs';
import { RequestCode } from '../../remoting/request-code.js';
import { createRequest } from '../../remoting/remoting-command.js';
import type { CompressedContext, EncodedContext } from '../send-context.js';
import type { EncodeRequestOptions } from './encode-request.js';

/**
 * Builds this attempt's SEND_BATCH_MESSAGE (320) request (spec §10.1): the V2 short header of a single send, with
 * the batch's values — `i` = the batch object's properties (`WAIT`, and `INSTANCE_ID` with a namespace), `f` = 0
 * (batches are never compressed), `h` = 0, `m` = `"true"` — and the §10.2 records as the body. A new request is
 * made for every attempt, with the newly selected queue.
 * @internal
 */
export function encodeBatchRequest<C extends CompressedContext>(options: EncodeRequestOptions): OperatorFunction<C, C & EncodedContext> {
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
          f: '0',
          g: String(now()),
          h: '0',
          i: context.properties,
          j: '0',
          k: unitMode,
          m: 'true',
          n: context.queue.brokerName,
        };
        context.request = createRequest(RequestCode.SEND_BATCH_MESSAGE, extFields, { body: context.wireBody });
        return context as C & EncodedContext;
      }),
    );
}
