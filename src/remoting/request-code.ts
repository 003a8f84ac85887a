/**
 * Request codes of the RocketMQ remoting protocol that a producer (and the embedded broker) uses.
 * Values from the Apache RocketMQ `RequestCode` class.
 */
export const RequestCode = {
  SEND_MESSAGE: 10,
  PULL_MESSAGE: 11,
  HEART_BEAT: 34,
  CONSUMER_SEND_MSG_BACK: 36,
  UNREGISTER_CLIENT: 35,
  END_TRANSACTION: 37,
  CHECK_TRANSACTION_STATE: 39,
  NOTIFY_CONSUMER_IDS_CHANGED: 40,
  REGISTER_BROKER: 103,
  UNREGISTER_BROKER: 104,
  GET_ROUTEINFO_BY_TOPIC: 105,
  GET_BROKER_CLUSTER_INFO: 106,
  RESET_CONSUMER_CLIENT_OFFSET: 220,
  GET_CONSUMER_STATUS_FROM_CLIENT: 221,
  GET_CONSUMER_RUNNING_INFO: 307,
  CONSUME_MESSAGE_DIRECTLY: 309,
  SEND_MESSAGE_V2: 310,
  SEND_BATCH_MESSAGE: 320,
  SEND_REPLY_MESSAGE: 324,
  SEND_REPLY_MESSAGE_V2: 325,
  PUSH_REPLY_MESSAGE_TO_CLIENT: 326,
  RECALL_MESSAGE: 370,
} as const;

/** A known request code. */
export type RequestCodeValue = (typeof RequestCode)[keyof typeof RequestCode];

const requestNames = new Map<number, string>(Object.entries(RequestCode).map(([name, code]) => [code, name]));

/** The constant name of a request code (`310` → `'SEND_MESSAGE_V2'`), or `'UNKNOWN(<code>)'`. */
export function requestCodeName(code: number): string {
  return requestNames.get(code) ?? `UNKNOWN(${code})`;
}
