/**
 * The OpenTelemetry semantic-convention names the producer's spans and metrics use. They are the constants of
 * `@opentelemetry/semantic-conventions` (stable and `incubating` entry points) under the same names, kept here
 * because the incubating entry point is not stable across minor releases and because nothing of OpenTelemetry may
 * be loaded without a provider (a spec checks every value against the package).
 * @internal
 */

/** `messaging.system` (deprecated in favour of `messaging.system.name`, still what most back ends and the Java agent show). */
export const ATTR_MESSAGING_SYSTEM = 'messaging.system';
/** `messaging.system.name`. */
export const ATTR_MESSAGING_SYSTEM_NAME = 'messaging.system.name';
/** `rocketmq`: the value of both system attributes. */
export const MESSAGING_SYSTEM_NAME_VALUE_ROCKETMQ = 'rocketmq';
/** `messaging.destination.name`: the topic. */
export const ATTR_MESSAGING_DESTINATION_NAME = 'messaging.destination.name';
/** `messaging.operation.type`. */
export const ATTR_MESSAGING_OPERATION_TYPE = 'messaging.operation.type';
/** `send`: a message (or a batch) handed to the broker. */
export const MESSAGING_OPERATION_TYPE_VALUE_SEND = 'send';
/** `messaging.operation.name`: the system-specific operation (`send`, `publish` for batches, `end_transaction`, …). */
export const ATTR_MESSAGING_OPERATION_NAME = 'messaging.operation.name';
/** `messaging.message.id`: the UNIQ_KEY. */
export const ATTR_MESSAGING_MESSAGE_ID = 'messaging.message.id';
/** `messaging.message.body.size`: body bytes as given (before compression). */
export const ATTR_MESSAGING_MESSAGE_BODY_SIZE = 'messaging.message.body.size';
/** `messaging.batch.message_count`. */
export const ATTR_MESSAGING_BATCH_MESSAGE_COUNT = 'messaging.batch.message_count';
/** `messaging.client.id`: the client id (`clientIP@instanceName`). */
export const ATTR_MESSAGING_CLIENT_ID = 'messaging.client.id';
/** `messaging.rocketmq.client_group`: the producer group. */
export const ATTR_MESSAGING_ROCKETMQ_CLIENT_GROUP = 'messaging.rocketmq.client_group';
/** `messaging.rocketmq.message.tag`. */
export const ATTR_MESSAGING_ROCKETMQ_MESSAGE_TAG = 'messaging.rocketmq.message.tag';
/** `messaging.rocketmq.message.keys` (a string array). */
export const ATTR_MESSAGING_ROCKETMQ_MESSAGE_KEYS = 'messaging.rocketmq.message.keys';
/** `messaging.rocketmq.message.type`. */
export const ATTR_MESSAGING_ROCKETMQ_MESSAGE_TYPE = 'messaging.rocketmq.message.type';
/** `normal`. */
export const MESSAGING_ROCKETMQ_MESSAGE_TYPE_VALUE_NORMAL = 'normal';
/** `fifo`: an ordered send (selector, sharding key or pinned queue). */
export const MESSAGING_ROCKETMQ_MESSAGE_TYPE_VALUE_FIFO = 'fifo';
/** `delay`. */
export const MESSAGING_ROCKETMQ_MESSAGE_TYPE_VALUE_DELAY = 'delay';
/** `transaction`. */
export const MESSAGING_ROCKETMQ_MESSAGE_TYPE_VALUE_TRANSACTION = 'transaction';
/** `server.address`: the broker's host. */
export const ATTR_SERVER_ADDRESS = 'server.address';
/** `server.port`: the broker's port. */
export const ATTR_SERVER_PORT = 'server.port';
/** `error.type`: the error's `code` (`RMQ_ERR_*`), else its class name. */
export const ATTR_ERROR_TYPE = 'error.type';
/** `exception.message`. */
export const ATTR_EXCEPTION_MESSAGE = 'exception.message';
