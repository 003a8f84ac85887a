/**
 * Stable error codes of the route layer and the constructors of its errors. All are {@link MQClientError}s; branch on
 * `code` (or `responseCode`, which carries the Java client's code).
 */
import { MQClientError } from '../errors.js';
import { ResponseCode } from '../remoting/response-code.js';
import { ROUTE_PARSE_ERROR_CODE } from './topic-route.js';

/** `code` values of the errors the route layer raises. */
export const RouteErrorCode = {
  /** A route body (or `orderTopicConf`) could not be parsed. `responseCode` -1. */
  PARSE: ROUTE_PARSE_ERROR_CODE,
  /** The NameServer does not know the topic. `responseCode` 17 (TOPIC_NOT_EXIST). */
  TOPIC_NOT_EXIST: 'RMQ_ERR_ROUTE_TOPIC_NOT_EXIST',
  /** The NameServer answered with another error code (e.g. SYSTEM_ERROR); `responseCode` is that code. */
  NAME_SERVER_RESPONSE: 'RMQ_ERR_NAME_SERVER_RESPONSE',
  /** No NameServer address configured, or none reachable. `responseCode` 10004 (NO_NAME_SERVER_EXCEPTION). */
  NO_NAME_SERVER: 'RMQ_ERR_NO_NAME_SERVER',
  /** Neither the topic nor the default topic has a route with a writable queue. `responseCode` 10005. */
  NOT_FOUND: 'RMQ_ERR_ROUTE_NOT_FOUND',
  /** An option of the route layer or the fault strategy is invalid. `responseCode` -1. */
  INVALID_ARGUMENT: 'RMQ_ERR_INVALID_ARGUMENT',
} as const;

/** The FAQ hint the Java client appends to route errors. */
const FAQ = 'See http://rocketmq.apache.org/docs/faq/ for further details.';

/** @internal */
export function topicNotExistError(topic: string, remark: string | null, address: string): MQClientError {
  return new MQClientError(
    `The name server ${address} has no route for topic "${topic}"${remark === null ? '' : `: ${remark}`}`,
    ResponseCode.TOPIC_NOT_EXIST,
    { code: RouteErrorCode.TOPIC_NOT_EXIST, address },
  );
}

/** @internal */
export function routeNotFoundError(topic: string, defaultTopic: string | null, cause?: unknown): MQClientError {
  const which =
    defaultTopic === null ? `"${topic}" has` : `neither "${topic}" nor the default topic "${defaultTopic}" has`;
  return new MQClientError(
    `No route info of this topic: ${topic}. ${which} a writable queue on a master broker: create the topic ` +
      `(mqadmin updateTopic) or start the brokers with autoCreateTopicEnable=true, and check namesrvAddr. ${FAQ}`,
    ResponseCode.NOT_FOUND_TOPIC_EXCEPTION,
    { code: RouteErrorCode.NOT_FOUND, ...(cause === undefined ? {} : { cause }) },
  );
}

/** @internal */
export function invalidArgumentError(message: string): MQClientError {
  return new MQClientError(message, -1, { code: RouteErrorCode.INVALID_ARGUMENT });
}
