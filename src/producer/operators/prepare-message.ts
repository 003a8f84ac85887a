import type { OperatorFunction } from 'rxjs';
import { map } from 'rxjs';
import { MQClientError } from '../../errors.js';
import { encodeBody } from '../../message/body-codec.js';
import { MessageErrorCode } from '../../message/error-codes.js';
import { createUniqueId } from '../../message/message-id.js';
import { MAX_PROPERTIES_BYTES, buildPropertiesString } from '../../message/properties.js';
import { MessageType } from '../hooks.js';
import { withNamespace } from '../namespace.js';
import type { PreparedContext, SendContext } from '../send-context.js';

/** Options of {@link prepareMessage}. @internal */
export interface PrepareMessageOptions {
  /** Applied to the topic and sent as `INSTANCE_ID`. */
  readonly namespace: string | null;
  /** Largest encoded body, bytes. */
  readonly maxMessageSize: number;
  /** Unique id source (tests pin it). */
  readonly createUniqueId?: () => string;
}

/**
 * Turns the caller's message into what every attempt sends, once per send (a retry reuses it): the body bytes
 * (bytes as they are, a string as UTF-8, an object as msgpack with `CONTENT_TYPE`), the namespaced topic, the
 * client unique id (UNIQ_KEY, set here and never changed by a retry) and the properties string in the Java
 * client's order. The caller's message object is read, never written.
 * @internal
 */
export function prepareMessage<C extends SendContext>(options: PrepareMessageOptions): OperatorFunction<C, C & PreparedContext> {
  const nextId = options.createUniqueId ?? createUniqueId;
  return (source) =>
    source.pipe(
      map((context) => {
        const message = context.message;
        const { bytes, contentType } = encodeBody(message.body);
        if (bytes.length === 0) {
          throw new MQClientError('the message body is empty', 13, { code: MessageErrorCode.EMPTY_BODY });
        }
        if (bytes.length > options.maxMessageSize) {
          throw new MQClientError(`the message body is ${bytes.length} bytes, over maxMessageSize ${options.maxMessageSize}`, 13, {
            code: MessageErrorCode.MESSAGE_TOO_LARGE,
          });
        }
        const uniqueId = nextId();
        const properties = buildPropertiesString({
          tags: message.tags ?? null,
          keys: message.keys ?? null,
          waitStoreMsgOK: message.waitStoreMsgOK !== false,
          delayTimeLevel: message.delayTimeLevel ?? null,
          userProperties: message.properties ?? null,
          uniqKey: uniqueId,
          instanceId: options.namespace,
          contentType,
        });
        if (Buffer.byteLength(properties) > MAX_PROPERTIES_BYTES) {
          throw new MQClientError(`the properties are over ${MAX_PROPERTIES_BYTES} bytes`, 13, {
            code: MessageErrorCode.PROPERTIES_TOO_LARGE,
          });
        }
        context.topic = withNamespace(options.namespace, message.topic);
        context.body = bytes;
        context.uniqueId = uniqueId;
        context.properties = properties;
        if ((message.delayTimeLevel ?? 0) > 0 || message.properties?.['__STARTDELIVERTIME'] !== undefined) {
          context.msgType = MessageType.DELAY;
        }
        return context as C & PreparedContext;
      }),
    );
}
