/**
 * The frame of a send's SUCCESS answer (SendMessageResponseHeader plus TRACE_ON and MSG_REGION, JSON header) from a
 * template made once per broker: only the queue id, the offset, the message id(s), the 5.x transaction id and the
 * opaque change between answers, so the rest is copied as bytes. The frame is byte-identical to what
 * `encodeFrameHead` writes for the same response command (checked by a property test); the field order is the
 * one each Java version writes.
 * @internal
 */
import { ByteSlab } from './byte-slab.js';

/** The values that differ between two send answers. @internal */
export interface SendOkFields {
  queueId: number;
  queueOffset: number;
  /** Offset message id, or the comma-separated ids of a batch. */
  msgId: string;
  /** 5.x: the message's `UNIQ_KEY` (`transactionId`), when it has one. */
  transactionId: string | undefined;
  opaque: number;
}

/** Encodes the JSON-header frames of SUCCESS send answers for one broker. @internal */
export class SendOkFrames {
  private readonly v5: boolean;
  /** Up to the queue id's digits. */
  private readonly head: Buffer;
  /** Queue id → message id (4.9: through TRACE_ON and MSG_REGION). */
  private readonly afterQueueId: Buffer;
  /** 5.x: queue id → transaction id's characters. */
  private readonly beforeTransactionId: Buffer;
  /** 5.x: transaction id's characters → message id. */
  private readonly afterTransactionId: Buffer;
  /** Message id → offset (5.x: through TRACE_ON and MSG_REGION). */
  private readonly afterMsgId: Buffer;
  /** Offset → opaque. */
  private readonly afterOffset: Buffer;
  /** Opaque → end. */
  private readonly tail: Buffer;
  private readonly slab = new ByteSlab(64 * 1024);
  /**
   * The last frame written, as a template for the next one of the same shape (the same number of digits in each
   * number, the same id lengths): then only the digits and ids are written over a copy of it.
   */
  private template: Buffer | null = null;
  private templateShape = -1;
  private templateTransactionLength = -1;
  private templateMsgIdLength = -1;
  private readonly templateLayout: Layout = { queueIdAt: 0, transactionIdAt: 0, msgIdAt: 0, queueOffsetAt: 0, opaqueAt: 0 };
  /** The layout of a frame that is not kept as the template (a batch answer). */
  private readonly oneOffLayout: Layout = { queueIdAt: 0, transactionIdAt: 0, msgIdAt: 0, queueOffsetAt: 0, opaqueAt: 0 };

  /**
   * @param version - the Java broker generation (its field order)
   * @param versionOrdinal - the `version` of the answers
   * @param regionId - `MSG_REGION`
   * @param traceOn - `TRACE_ON`
   */
  constructor(version: '4.9' | '5.x', versionOrdinal: number, regionId: string, traceOn: boolean) {
    this.v5 = version === '5.x';
    const trace = `"TRACE_ON":${JSON.stringify(String(traceOn))},"MSG_REGION":${JSON.stringify(regionId)}`;
    this.head = utf8('{"code":0,"extFields":{"queueId":"');
    if (this.v5) {
      // queueId, [transactionId], msgId, TRACE_ON, MSG_REGION, queueOffset
      this.afterQueueId = utf8('","msgId":"');
      this.beforeTransactionId = utf8('","transactionId":"');
      this.afterTransactionId = utf8('","msgId":"');
      this.afterMsgId = utf8(`",${trace},"queueOffset":"`);
    } else {
      // queueId, TRACE_ON, MSG_REGION, msgId, queueOffset
      this.afterQueueId = utf8(`",${trace},"msgId":"`);
      this.beforeTransactionId = Buffer.alloc(0);
      this.afterTransactionId = Buffer.alloc(0);
      this.afterMsgId = utf8('","queueOffset":"');
    }
    this.afterOffset = utf8('"},"flag":1,"language":"JAVA","opaque":');
    this.tail = utf8(`,"serializeTypeCurrentRPC":"JSON","version":${versionOrdinal}}`);
  }

  /**
   * The whole frame (length prefix, header-info word, header; a send answer has no body), or `null` when a value
   * is outside what the template writes (then the command goes through the general encoder). `msgId` must be
   * the store's offset message id(s): upper-case hex digits and commas.
   */
  encode(fields: SendOkFields): Buffer | null {
    const { queueId, queueOffset, msgId, opaque } = fields;
    const transactionId = this.v5 ? fields.transactionId : undefined;
    if (!Number.isSafeInteger(queueId) || !Number.isSafeInteger(queueOffset) || !Number.isSafeInteger(opaque)) return null;
    // A transaction id that JSON would escape (or that is not ASCII) does not fit the template: the general encoder.
    if (transactionId !== undefined && !isPlainAscii(transactionId)) return null;
    const queueIdDigits = digitCount(queueId);
    const queueOffsetDigits = digitCount(queueOffset);
    const opaqueDigits = digitCount(opaque);
    const shape = queueIdDigits | (queueOffsetDigits << 5) | (opaqueDigits << 10);
    const transactionLength = transactionId === undefined ? -1 : transactionId.length;
    let frame: Buffer;
    let layout = this.templateLayout;
    if (shape === this.templateShape && transactionLength === this.templateTransactionLength && msgId.length === this.templateMsgIdLength) {
      const template = this.template!;
      frame = this.slab.take(template.length);
      frame.set(template, 0);
    } else {
      // Batches (long id lists) are not worth keeping as a template.
      const keep = msgId.length <= 256;
      if (!keep) layout = this.oneOffLayout;
      frame = this.layOut(layout, queueIdDigits, queueOffsetDigits, opaqueDigits, transactionLength, msgId.length);
      if (frame.length - 8 > 0xffffff) return null;
      if (keep) {
        this.template = frame;
        this.templateShape = shape;
        this.templateTransactionLength = transactionLength;
        this.templateMsgIdLength = msgId.length;
        frame = Buffer.from(frame);
      }
    }
    writeDigits(frame, layout.queueIdAt, queueIdDigits, queueId);
    if (transactionId !== undefined) writeAscii(frame, layout.transactionIdAt, transactionId);
    writeAscii(frame, layout.msgIdAt, msgId);
    writeDigits(frame, layout.queueOffsetAt, queueOffsetDigits, queueOffset);
    writeDigits(frame, layout.opaqueAt, opaqueDigits, opaque);
    return frame;
  }

  /** A frame of a new shape with its constant parts written, and where its variable parts go. */
  private layOut(layout: Layout, queueIdDigits: number, queueOffsetDigits: number, opaqueDigits: number, transactionLength: number, msgIdLength: number): Buffer {
    const headerLength =
      this.head.length +
      queueIdDigits +
      (transactionLength < 0 ? this.afterQueueId.length : this.beforeTransactionId.length + transactionLength + this.afterTransactionId.length) +
      msgIdLength +
      this.afterMsgId.length +
      queueOffsetDigits +
      this.afterOffset.length +
      opaqueDigits +
      this.tail.length;
    const frame = this.slab.take(8 + headerLength);
    frame.writeInt32BE(4 + headerLength, 0);
    frame.writeInt32BE(headerLength & 0xffffff, 4);
    let pos = copy(frame, 8, this.head);
    layout.queueIdAt = pos;
    pos += queueIdDigits;
    if (transactionLength < 0) {
      pos = copy(frame, pos, this.afterQueueId);
    } else {
      pos = copy(frame, pos, this.beforeTransactionId);
      layout.transactionIdAt = pos;
      pos = copy(frame, pos + transactionLength, this.afterTransactionId);
    }
    layout.msgIdAt = pos;
    pos = copy(frame, pos + msgIdLength, this.afterMsgId);
    layout.queueOffsetAt = pos;
    pos = copy(frame, pos + queueOffsetDigits, this.afterOffset);
    layout.opaqueAt = pos;
    copy(frame, pos + opaqueDigits, this.tail);
    return frame;
  }
}

/**
 * The 4.9 broker's SUCCESS send answer to a ROCKETMQ request, in ROCKETMQ (4.9 answers in the request's
 * serialization): `SendMessageResponseHeader` is a `FastCodesHeader`, so its fields come first in declaration order
 * (`msgId`, `queueId`, `queueOffset`; 4.9 sets no `transactionId`), then the extFields map (`TRACE_ON`, `MSG_REGION`,
 * its HashMap order). Only the opaque, the three values and their lengths change between answers; the frame is
 * byte-identical to what `encodeFrameHead` writes for the same response command (checked by a property test).
 * @internal
 */
export class SendOkBinaryFrames {
  /** code 0, language JAVA, version: the five bytes before the opaque. */
  private readonly lead: Buffer;
  /** flag 1 (response), remark length 0. */
  private readonly flagAndRemark = Buffer.from([0, 0, 0, 1, 0, 0, 0, 0]);
  /** `TRACE_ON` and `MSG_REGION` entries. */
  private readonly tail: Buffer;
  private readonly slab = new ByteSlab(64 * 1024);

  /**
   * @param versionOrdinal - the `version` of the answers
   * @param regionId - `MSG_REGION`
   * @param traceOn - `TRACE_ON`
   */
  constructor(versionOrdinal: number, regionId: string, traceOn: boolean) {
    this.lead = Buffer.from([0, 0, 0, (versionOrdinal >>> 8) & 0xff, versionOrdinal & 0xff]);
    this.tail = Buffer.concat([entry('TRACE_ON', String(traceOn)), entry('MSG_REGION', regionId)]);
  }

  /**
   * The whole frame, or `null` when a value is outside what the template writes (then the command goes through the
   * general encoder). `msgId` must be the store's offset message id(s): upper-case hex digits and commas.
   */
  encode(fields: SendOkFields): Buffer | null {
    const { queueId, queueOffset, msgId, opaque } = fields;
    if (!Number.isSafeInteger(queueId) || !Number.isSafeInteger(queueOffset) || (opaque | 0) !== opaque) return null;
    const queueIdDigits = digitCount(queueId);
    const queueOffsetDigits = digitCount(queueOffset);
    const extLength = MSG_ID_KEY.length + 4 + msgId.length + QUEUE_ID_KEY.length + 4 + queueIdDigits + QUEUE_OFFSET_KEY.length + 4 + queueOffsetDigits + this.tail.length;
    const headerLength = 21 + extLength;
    if (headerLength > 0xffffff) return null;
    const frame = this.slab.take(8 + headerLength);
    frame.writeInt32BE(4 + headerLength, 0);
    frame.writeInt32BE((1 << 24) | headerLength, 4);
    let pos = copy(frame, 8, this.lead);
    pos = frame.writeInt32BE(opaque, pos);
    pos = copy(frame, pos, this.flagAndRemark);
    pos = frame.writeInt32BE(extLength, pos);
    pos = copy(frame, pos, MSG_ID_KEY);
    pos = frame.writeInt32BE(msgId.length, pos);
    writeAscii(frame, pos, msgId);
    pos = copy(frame, pos + msgId.length, QUEUE_ID_KEY);
    pos = frame.writeInt32BE(queueIdDigits, pos);
    writeDigits(frame, pos, queueIdDigits, queueId);
    pos = copy(frame, pos + queueIdDigits, QUEUE_OFFSET_KEY);
    pos = frame.writeInt32BE(queueOffsetDigits, pos);
    writeDigits(frame, pos, queueOffsetDigits, queueOffset);
    copy(frame, pos + queueOffsetDigits, this.tail);
    return frame;
  }
}

/** An int16-length key, as a ROCKETMQ extFields entry starts. */
function key(name: string): Buffer {
  const bytes = Buffer.from(name, 'utf8');
  const out = Buffer.alloc(2 + bytes.length);
  out.writeInt16BE(bytes.length, 0);
  bytes.copy(out, 2);
  return out;
}

/** A whole ROCKETMQ extFields entry. */
function entry(name: string, value: string): Buffer {
  const bytes = Buffer.from(value, 'utf8');
  const length = Buffer.alloc(4);
  length.writeInt32BE(bytes.length, 0);
  return Buffer.concat([key(name), length, bytes]);
}

const MSG_ID_KEY = key('msgId');
const QUEUE_ID_KEY = key('queueId');
const QUEUE_OFFSET_KEY = key('queueOffset');

/** Where the variable parts of a frame go. */
interface Layout {
  queueIdAt: number;
  transactionIdAt: number;
  msgIdAt: number;
  queueOffsetAt: number;
  opaqueAt: number;
}

function utf8(text: string): Buffer {
  return Buffer.from(text, 'utf8');
}

function copy(out: Buffer, pos: number, bytes: Buffer): number {
  out.set(bytes, pos);
  return pos + bytes.length;
}

/** Printable ASCII without `"` and `\`: written as it is inside a JSON string. */
function isPlainAscii(text: string): boolean {
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c < 0x20 || c > 0x7e || c === 0x22 || c === 0x5c) return false;
  }
  return true;
}

function writeAscii(out: Buffer, pos: number, text: string): void {
  if (text.length > 64) {
    out.write(text, pos, 'latin1');
    return;
  }
  for (let i = 0; i < text.length; i++) out[pos + i] = text.charCodeAt(i);
}

/** Characters of `String(value)` for a safe integer (`-0` is `"0"`). */
function digitCount(value: number): number {
  let v = value < 0 ? -value : value;
  let count = value < 0 ? 2 : 1;
  while (v >= 1e8) {
    v = Math.floor(v / 1e8);
    count += 8;
  }
  while (v >= 10) {
    v = (v / 10) | 0;
    count++;
  }
  return count;
}

/** Writes `String(value)` of a safe integer of `count` characters at `pos`. */
function writeDigits(out: Buffer, pos: number, count: number, value: number): void {
  let v = value < 0 ? -value : value;
  let at = pos + count - 1;
  if (value < 0) out[pos] = 0x2d;
  // Above 2^31 the low digits come off with floating-point division; below it with integer division.
  while (v > 0x7fffffff) {
    const rest = Math.floor(v / 10);
    out[at--] = 0x30 + (v - rest * 10);
    v = rest;
  }
  do {
    const rest = (v / 10) | 0;
    out[at--] = 0x30 + (v - rest * 10);
    v = rest;
  } while (v > 0);
}
