/**
 * Stable `code` values of the `MQClientError`s raised by the message module (validation and codecs). Branch on
 * these, never on the message text. Re-exported by `validators.ts` and the public barrel.
 */
export const MessageErrorCode = {
  /** The message itself is `null`/`undefined` or not an object. */
  NULL_MESSAGE: 'RMQ_ERR_NULL_MESSAGE',
  /** Topic is empty or only whitespace. */
  BLANK_TOPIC: 'RMQ_ERR_BLANK_TOPIC',
  /** Topic is longer than 127 characters. */
  TOPIC_TOO_LONG: 'RMQ_ERR_TOPIC_TOO_LONG',
  /** Topic has characters outside `^[%|a-zA-Z0-9_-]+$`. */
  INVALID_TOPIC: 'RMQ_ERR_INVALID_TOPIC',
  /** Topic is a system topic a client may not send to (TBW102, SCHEDULE_TOPIC_XXXX, RMQ_SYS_TRANS_HALF_TOPIC, …). */
  SYSTEM_TOPIC: 'RMQ_ERR_SYSTEM_TOPIC',
  /** Group is empty or only whitespace. */
  BLANK_GROUP: 'RMQ_ERR_BLANK_GROUP',
  /** Group is longer than 255 characters. */
  GROUP_TOO_LONG: 'RMQ_ERR_GROUP_TOO_LONG',
  /** Group has characters outside `^[%|a-zA-Z0-9_-]+$`. */
  INVALID_GROUP: 'RMQ_ERR_INVALID_GROUP',
  /** Body is `null`/`undefined`. */
  NULL_BODY: 'RMQ_ERR_NULL_BODY',
  /** Body has zero bytes. */
  EMPTY_BODY: 'RMQ_ERR_EMPTY_BODY',
  /** Body is of a type that cannot be sent (number, boolean, function, …). */
  INVALID_BODY: 'RMQ_ERR_INVALID_BODY',
  /** Body is larger than `maxMessageSize`. */
  MESSAGE_TOO_LARGE: 'RMQ_ERR_MESSAGE_TOO_LARGE',
  /** A property name or value contains `\x01`/`\x02`, or is not a string. */
  INVALID_PROPERTY: 'RMQ_ERR_INVALID_PROPERTY',
  /** A user property name or value is empty or only whitespace. */
  BLANK_PROPERTY: 'RMQ_ERR_BLANK_PROPERTY',
  /** A user property uses a name reserved by RocketMQ (KEYS, TAGS, UNIQ_KEY, …). */
  RESERVED_PROPERTY: 'RMQ_ERR_RESERVED_PROPERTY',
  /** The properties string is longer than 32767 UTF-8 bytes. */
  PROPERTIES_TOO_LARGE: 'RMQ_ERR_PROPERTIES_TOO_LARGE',
  /** `tags` contains `\x01`/`\x02` or is not a string. */
  INVALID_TAGS: 'RMQ_ERR_INVALID_TAGS',
  /** A key contains `\x01`/`\x02` or is not a string. */
  INVALID_KEYS: 'RMQ_ERR_INVALID_KEYS',
  /** `flag` is not a 32-bit integer. */
  INVALID_FLAG: 'RMQ_ERR_INVALID_FLAG',
  /** `delayTimeLevel` is not a non-negative integer. */
  INVALID_DELAY_LEVEL: 'RMQ_ERR_INVALID_DELAY_LEVEL',
  /** `deliverTimeMs` is not a positive integer (epoch milliseconds). */
  INVALID_DELIVER_TIME: 'RMQ_ERR_INVALID_DELIVER_TIME',
  /** `delayMs` is not a positive integer (milliseconds). */
  INVALID_DELAY_MS: 'RMQ_ERR_INVALID_DELAY_MS',
  /** More than one of `delayTimeLevel`, `deliverTimeMs` and `delayMs` is set. */
  CONFLICTING_DELAY: 'RMQ_ERR_CONFLICTING_DELAY',
  /** A batch body (SEND_BATCH_MESSAGE) is truncated or malformed. */
  MALFORMED_BATCH: 'RMQ_ERR_MALFORMED_BATCH',
  /** A stored message (§11) is truncated or malformed. */
  MALFORMED_MESSAGE: 'RMQ_ERR_MALFORMED_MESSAGE',
  /** A message id is not 32/56 hex characters (offset id) or its fields are out of range. */
  INVALID_MESSAGE_ID: 'RMQ_ERR_INVALID_MESSAGE_ID',
  /** A socket address is not a literal `ip:port`. */
  INVALID_ADDRESS: 'RMQ_ERR_INVALID_ADDRESS',
  /**
   * A compression type this library does not know (sysFlag type bits other than ZLIB, LZ4, ZSTD), or the optional
   * package a codec needs is not installed (the message names it).
   */
  UNSUPPORTED_COMPRESSION: 'RMQ_ERR_UNSUPPORTED_COMPRESSION',
  /** A codec failed to compress a body (e.g. its worker thread died). */
  COMPRESS_FAILED: 'RMQ_ERR_COMPRESS_FAILED',
  /** A compressed body does not decompress (corrupt zlib, LZ4 or ZSTD data). */
  DECOMPRESS_FAILED: 'RMQ_ERR_DECOMPRESS_FAILED',
  /** A compressed body decompresses to more than the allowed size (`maxBodySize` of `decompressBody`). */
  DECOMPRESSED_TOO_LARGE: 'RMQ_ERR_DECOMPRESSED_TOO_LARGE',
  /** A body whose CONTENT_TYPE says msgpack is not one whole msgpack value (`decodeBody`). */
  MALFORMED_BODY: 'RMQ_ERR_MALFORMED_BODY',
} as const;

/** One of the {@link MessageErrorCode} values. */
export type MessageErrorCodeValue = (typeof MessageErrorCode)[keyof typeof MessageErrorCode];
