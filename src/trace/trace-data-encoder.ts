/**
 * RocketMQ message-trace records, as the Java client's `TraceDataEncoder` writes and reads them: fields separated by
 * `\u0001` (CONTENT_SPLITOR), records ended by `\u0002` (FIELD_SPLITOR). A "Pub" record is one send:
 *
 *   Pub · timestamp · regionId · group · topic · msgId · tags · keys · storeHost · bodyLength · costTime ·
 *   msgType (ordinal) · offsetMsgId · success
 *
 * A missing tags/keys is written as the string `null`, as Java's `StringBuilder.append(null)` does.
 */

/** Field separator of a trace record (Java `TraceConstants.CONTENT_SPLITOR`). */
export const CONTENT_SPLITOR = '\u0001';
/** Record terminator (Java `TraceConstants.FIELD_SPLITOR`). */
export const FIELD_SPLITOR = '\u0002';
/** Default trace topic (Java `TopicValidator.RMQ_SYS_TRACE_TOPIC`). */
export const RMQ_SYS_TRACE_TOPIC = 'RMQ_SYS_TRACE_TOPIC';

/**
 * Ordinals of the Java `MessageType` enum, as trace records carry them.
 * @example
 * ```ts
 * TraceMessageType.Delay_Msg; // 3
 * ```
 */
export const TraceMessageType = {
  /** A normal message. */
  Normal_Msg: 0,
  /** A transaction's half message. */
  Trans_Msg_Half: 1,
  /** A committed transaction message. */
  Trans_msg_Commit: 2,
  /** A delayed message. */
  Delay_Msg: 3,
} as const;

/** A "Pub" trace record: one successful send, as Java's `TraceContext` + `TraceBean` hold it. */
export interface PubTraceRecord {
  /** When the send attempt started, ms since the epoch. */
  readonly timestamp: number;
  /** `MSG_REGION` of the broker's answer. */
  readonly regionId: string;
  /** Producer group (without namespace). */
  readonly groupName: string;
  /** Topic (without namespace). */
  readonly topic: string;
  /** The UNIQ_KEY (`SendResult.msgId`). */
  readonly msgId: string;
  /** The message's tags, or `null`. */
  readonly tags: string | null;
  /** The message's keys (space-joined), or `null`. */
  readonly keys: string | null;
  /** `host:port` of the broker written to. */
  readonly storeHost: string;
  /** Body bytes as sent (after compression). */
  readonly bodyLength: number;
  /** Milliseconds the attempt took. */
  readonly costTime: number;
  /** {@link TraceMessageType} ordinal. */
  readonly msgType: number;
  /** `SendResult.offsetMsgId`. */
  readonly offsetMsgId: string;
  /** `true` when the send status was SEND_OK. */
  readonly success: boolean;
}

/** One encoded record with the keys the trace message must carry for it (Java `TraceTransferBean`). */
export interface TraceTransfer {
  /** The record, terminator included. */
  readonly data: string;
  /** msgId plus each of the message's keys. */
  readonly keys: readonly string[];
}

/**
 * Encodes a Pub record exactly as Java `TraceDataEncoder.encoderFromContextBean` does.
 * @param record - the send
 * @returns the record's text and its look-up keys
 * @example
 * ```ts
 * const { data, keys } = encodePubRecord(record);
 * ```
 */
export function encodePubRecord(record: PubTraceRecord): TraceTransfer {
  const S = CONTENT_SPLITOR;
  const data =
    'Pub' + S + String(record.timestamp) + S + record.regionId + S + record.groupName + S + record.topic + S + record.msgId + S +
    String(record.tags) + S + String(record.keys) + S + record.storeHost + S + String(record.bodyLength) + S +
    String(record.costTime) + S + String(record.msgType) + S + record.offsetMsgId + S + String(record.success) + FIELD_SPLITOR;
  const keys = [record.msgId];
  if (record.keys !== null && record.keys.length > 0) keys.push(...record.keys.split(' '));
  return { data, keys };
}

/** A decoded record of any type: its type and raw fields (see {@link decodeTraceData}). */
export interface DecodedTraceRecord {
  /** `Pub`, `SubBefore`, `SubAfter` or `EndTransaction`. */
  readonly type: string;
  /** The fields after the type, as text. */
  readonly fields: readonly string[];
  /** For a Pub record: its fields typed (Java `decoderFromTraceDataString`). */
  readonly pub: PubTraceRecord | null;
}

/**
 * Splits the body of a trace message into its records (Java `TraceDataEncoder.decoderFromTraceDataString`), typing
 * the Pub ones.
 * @param data - the trace message's body as text
 * @returns one entry per record, in order
 */
export function decodeTraceData(data: string): DecodedTraceRecord[] {
  const out: DecodedTraceRecord[] = [];
  for (const line of data.split(FIELD_SPLITOR)) {
    if (line === '') continue;
    const parts = line.split(CONTENT_SPLITOR);
    const type = parts[0] ?? '';
    const fields = parts.slice(1);
    let pub: PubTraceRecord | null = null;
    if (type === 'Pub' && parts.length >= 13) {
      const f = (i: number): string => parts[i] ?? '';
      pub = {
        timestamp: Number(f(1)),
        regionId: f(2),
        groupName: f(3),
        topic: f(4),
        msgId: f(5),
        tags: f(6) === 'null' ? null : f(6),
        keys: f(7) === 'null' ? null : f(7),
        storeHost: f(8),
        bodyLength: Number(f(9)),
        costTime: Number(f(10)),
        msgType: Number(f(11)),
        offsetMsgId: parts.length >= 14 ? f(12) : '',
        success: (parts.length >= 14 ? f(13) : f(12)) === 'true',
      };
    }
    out.push({ type, fields, pub });
  }
  return out;
}
