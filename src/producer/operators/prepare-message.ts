import type { OperatorFunction } from 'rxjs';
import { map } from 'rxjs';
import { createUniqueId } from '../../message/message-id.js';
import { buildPropertiesString } from '../../message/properties.js';
import { checkPropertiesSize } from '../../message/validators.js';
import { MessageType } from '../hooks.js';
import { withNamespace } from '../namespace.js';
import type { PreparedContext, ValidatedContext } from '../send-context.js';

/** Options of {@link prepareMessage}. @internal */
export interface PrepareMessageOptions {
  /** Applied to the topic and sent as `INSTANCE_ID`. */
  readonly namespace: string | null;
  /** Unique id source (tests pin it). */
  readonly createUniqueId?: () => string;
}

/**
 * Fixes what every attempt of the send carries, once (a retry reuses it): the namespaced topic, the client unique id
 * (UNIQ_KEY — set here, before the first attempt, and never changed by a retry) and the properties string in the
 * Java client's order (TAGS, KEYS, WAIT, user properties, DELAY, UNIQ_KEY, INSTANCE_ID, CONTENT_TYPE). The caller's
 * message object is read, never written.
 * @internal
 */
export function prepareMessage<C extends ValidatedContext>(options: PrepareMessageOptions): OperatorFunction<C, C & PreparedContext> {
  const nextId = options.createUniqueId ?? createUniqueId;
  return (source) =>
    source.pipe(
      map((context) => {
        const message = context.message;
        const uniqueId = nextId();
        const properties = buildPropertiesString({
          tags: message.tags ?? null,
          keys: message.keys ?? null,
          waitStoreMsgOK: message.waitStoreMsgOK !== false,
          delayTimeLevel: message.delayTimeLevel ?? null,
          userProperties: message.properties ?? null,
          uniqKey: uniqueId,
          instanceId: options.namespace,
          contentType: context.contentType,
        });
        checkPropertiesSize(properties);
        context.topic = withNamespace(options.namespace, message.topic);
        context.uniqueId = uniqueId;
        context.properties = properties;
        if ((message.delayTimeLevel ?? 0) > 0 || message.properties?.['__STARTDELIVERTIME'] !== undefined) {
          context.msgType = MessageType.DELAY;
        }
        return context as C & PreparedContext;
      }),
    );
}
