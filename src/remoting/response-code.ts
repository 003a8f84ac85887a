/**
 * Response codes of the RocketMQ remoting protocol (Apache RocketMQ `ResponseCode` / `RemotingSysResponseCode`),
 * plus the Java client's pseudo codes carried by `MQClientException` (never on the wire).
 */
export const ResponseCode = {
  SUCCESS: 0,
  SYSTEM_ERROR: 1,
  SYSTEM_BUSY: 2,
  REQUEST_CODE_NOT_SUPPORTED: 3,
  TRANSACTION_FAILED: 4,
  FLUSH_DISK_TIMEOUT: 10,
  SLAVE_NOT_AVAILABLE: 11,
  FLUSH_SLAVE_TIMEOUT: 12,
  MESSAGE_ILLEGAL: 13,
  SERVICE_NOT_AVAILABLE: 14,
  VERSION_NOT_SUPPORTED: 15,
  NO_PERMISSION: 16,
  TOPIC_NOT_EXIST: 17,
  TOPIC_EXIST_ALREADY: 18,
  SUBSCRIPTION_GROUP_NOT_EXIST: 26,
  INVALID_PARAMETER: 29,
  NO_BUYER_ID: 204,
  NOT_IN_CURRENT_UNIT: 205,
  FLOW_CONTROL: 215,
  NOT_LEADER_FOR_QUEUE: 501,
  GO_AWAY: 1500,
  // Java client pseudo codes (MQClientException), never sent on the wire.
  CONNECT_BROKER_EXCEPTION: 10001,
  ACCESS_BROKER_TIMEOUT: 10002,
  BROKER_NOT_EXIST_EXCEPTION: 10003,
  NO_NAME_SERVER_EXCEPTION: 10004,
  NOT_FOUND_TOPIC_EXCEPTION: 10005,
  REQUEST_TIMEOUT_EXCEPTION: 10006,
} as const;

/** A known response code. */
export type ResponseCodeValue = (typeof ResponseCode)[keyof typeof ResponseCode];

const responseNames = new Map<number, string>(Object.entries(ResponseCode).map(([name, code]) => [code, name]));

/** The constant name of a response code (`17` → `'TOPIC_NOT_EXIST'`), or `'UNKNOWN(<code>)'`. */
export function responseCodeName(code: number): string {
  return responseNames.get(code) ?? `UNKNOWN(${code})`;
}
