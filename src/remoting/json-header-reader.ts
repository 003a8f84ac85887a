/**
 * Fast path of the JSON header decoder for the answers a producer waits for: a send's success answer
 * (SEND_MESSAGE / SEND_MESSAGE_V2 / SEND_BATCH_MESSAGE) in the exact compact form that Java's fastjson writes for it,
 * in the field order of the 4.9 and of the 5.x brokers. Such a header is read straight from its bytes, as a
 * template: the constant pieces compared byte by byte, integers read from their digits, the three or four values
 * that change checked to be plain printable ASCII and taken as latin1 strings of their own (no UTF-8 decoding of
 * the header, no general JSON parse).
 *
 * Anything else (another shape or field order, whitespace, escapes, non-ASCII, a remark, `-0`, a number of more than
 * 15 digits, a truncated or malformed header) makes it answer `null`, and the caller decodes the header with the
 * general decoder, which accepts what Java accepts and rejects the rest with a typed error. So whenever this reader
 * answers, its command equals the general decoder's (checked by property tests and a fuzz loop in the header
 * codec's spec).
 *
 * @internal
 */
import { SerializeType, type RemotingCommand } from './remoting-command.js';

/**
 * A constant piece of the header: its bytes, and the same bytes as little-endian 32-bit words (the first
 * `length >> 2 << 2` bytes) so that {@link skip} compares four bytes per read.
 */
interface Literal {
  readonly bytes: Uint8Array;
  readonly words: Int32Array;
}

const ascii = (text: string): Literal => {
  const bytes = Uint8Array.from(text, (c) => c.charCodeAt(0));
  const words = new Int32Array(bytes.length >> 2);
  const view = new DataView(bytes.buffer);
  for (let i = 0; i < words.length; i++) words[i] = view.getInt32(i * 4, true);
  return { bytes, words };
};

const CODE = ascii('{"code":');
const QUEUE_ID = ascii(',"extFields":{"queueId":"');
const TRANSACTION_ID = ascii(',"transactionId":"');
const MSG_ID = ascii(',"msgId":"');
const QUEUE_OFFSET = ascii(',"queueOffset":"');
const TRACE_ON = ascii(',"TRACE_ON":"');
const MSG_REGION = ascii(',"MSG_REGION":"');
const FLAG = ascii('},"flag":');
const LANGUAGE_OPAQUE = ascii(',"language":"JAVA","opaque":');
const TAIL = ascii(',"serializeTypeCurrentRPC":"JSON","version":');

/** `TRACE_ON` / `MSG_REGION` values nearly every answer carries: shared rather than built anew. */
const TRUE = ascii('true"');
const FALSE = ascii('false"');
const DEFAULT_REGION = ascii('DefaultRegion"');

/** The header being read and where the reader is. */
let bytes: Buffer = Buffer.alloc(0);
let limit = 0;
let pos = 0;
/**
 * A `DataView` of the buffer `bytes` (the buffer it was made for: `wordsOf`), kept from one header to the next while
 * they come in the same buffer (a connection's read buffer), so that reading four bytes at once costs no allocation.
 */
const EMPTY_VIEW = new DataView(new ArrayBuffer(0));
let words: DataView = EMPTY_VIEW;
let wordsOf: Buffer | null = null;
/** A larger buffer is not kept alive by the view after its header was read. */
const KEPT_VIEW_BYTES = 64 * 1024;

/** Whether `literal` is at `pos`; moves past it when it is. */
function skip(literal: Literal): boolean {
  const lit = literal.bytes;
  const length = lit.length;
  const at = pos;
  if (limit - at < length) return false;
  const whole = literal.words;
  const view = words;
  const count = whole.length;
  for (let i = 0; i < count; i++) {
    if (view.getInt32(at + 4 * i, true) !== whole[i]) return false;
  }
  const b = bytes;
  for (let i = count * 4; i < length; i++) {
    if (b[at + i] !== lit[i]) return false;
  }
  pos = at + length;
  return true;
}

/**
 * A JSON integer as JSON.parse reads it (`0` or `-?[1-9][0-9]*`), or NaN when there is none, for `-0` (whose sign
 * the general decoder keeps) and for more than 15 digits (which a double may not hold exactly).
 */
function readInteger(): number {
  const b = bytes;
  const end = limit;
  let at = pos;
  let negative = false;
  if (at < end && b[at] === 0x2d) {
    negative = true;
    at++;
  }
  const first = at;
  let value = 0;
  while (at < end) {
    const digit = b[at]! - 0x30;
    if (digit < 0 || digit > 9) break;
    value = value * 10 + digit;
    at++;
  }
  const digits = at - first;
  if (digits === 0 || digits > 15 || (digits > 1 && b[first] === 0x30) || (negative && value === 0)) {
    return Number.NaN;
  }
  pos = at;
  return negative ? -value : value;
}

/**
 * The string value whose opening quote is just behind `pos`, up to its closing quote (which it moves past); `null`
 * unless every character is printable ASCII other than `\` (so that latin1 and UTF-8 read it alike, with no escape).
 */
function readPlainString(): string | null {
  const b = bytes;
  const end = limit;
  const from = pos;
  let at = from;
  for (;;) {
    if (at >= end) return null;
    const c = b[at]!;
    if (c === 0x22) break;
    if (c < 0x20 || c > 0x7e || c === 0x5c) return null;
    at++;
  }
  pos = at + 1;
  // One character: V8's single-character strings, no allocation. Otherwise a string of exactly the value (not a
  // slice of a text of the whole header, which would cost more bytes than it saves calls).
  if (at - from === 1) return String.fromCharCode(b[from]!);
  return b.toString('latin1', from, at);
}

/** `"true"`, `"false"` or the value as {@link readPlainString} reads it. */
function readTraceOn(): string | null {
  if (skip(TRUE)) return 'true';
  if (skip(FALSE)) return 'false';
  return readPlainString();
}

/** `"DefaultRegion"` or the value as {@link readPlainString} reads it. */
function readRegion(): string | null {
  return skip(DEFAULT_REGION) ? 'DefaultRegion' : readPlainString();
}

/**
 * Reads the JSON header in `bytes[start, end)` when it is a send's success answer of the compact shape; `null`
 * otherwise (then the general decoder decides, including whether the bytes are a header at all).
 */
export function readSendAnswerHeader(header: Buffer, start: number, end: number, body: Buffer | null): RemotingCommand | null {
  bytes = header;
  limit = end;
  pos = start;
  if (header !== wordsOf) {
    words = new DataView(header.buffer, header.byteOffset, header.length);
    wordsOf = header;
  }
  const command = readAnswer(body);
  bytes = EMPTY;
  if (header.length > KEPT_VIEW_BYTES) {
    words = EMPTY_VIEW;
    wordsOf = null;
  }
  return command;
}

const EMPTY = Buffer.alloc(0);

function readAnswer(body: Buffer | null): RemotingCommand | null {
  if (!skip(CODE)) return null;
  const code = readInteger();
  if (Number.isNaN(code) || !skip(QUEUE_ID)) return null;
  const queueId = readPlainString();
  if (queueId === null) return null;
  let extFields: Record<string, string>;
  if (skip(TRACE_ON)) {
    // 4.9: queueId, TRACE_ON, MSG_REGION, msgId, queueOffset.
    const traceOn = readTraceOn();
    if (traceOn === null || !skip(MSG_REGION)) return null;
    const region = readRegion();
    if (region === null || !skip(MSG_ID)) return null;
    const msgId = readPlainString();
    if (msgId === null || !skip(QUEUE_OFFSET)) return null;
    const queueOffset = readPlainString();
    if (queueOffset === null) return null;
    extFields = { queueId, TRACE_ON: traceOn, MSG_REGION: region, msgId, queueOffset };
  } else {
    // 5.x: queueId, [transactionId], msgId, TRACE_ON, MSG_REGION, queueOffset.
    let transactionId: string | null = null;
    if (skip(TRANSACTION_ID)) {
      transactionId = readPlainString();
      if (transactionId === null) return null;
    }
    if (!skip(MSG_ID)) return null;
    const msgId = readPlainString();
    if (msgId === null || !skip(TRACE_ON)) return null;
    const traceOn = readTraceOn();
    if (traceOn === null || !skip(MSG_REGION)) return null;
    const region = readRegion();
    if (region === null || !skip(QUEUE_OFFSET)) return null;
    const queueOffset = readPlainString();
    if (queueOffset === null) return null;
    extFields =
      transactionId === null
        ? { queueId, msgId, TRACE_ON: traceOn, MSG_REGION: region, queueOffset }
        : { queueId, transactionId, msgId, TRACE_ON: traceOn, MSG_REGION: region, queueOffset };
  }
  if (!skip(FLAG)) return null;
  const flag = readInteger();
  if (Number.isNaN(flag) || !skip(LANGUAGE_OPAQUE)) return null;
  const opaque = readInteger();
  if (Number.isNaN(opaque) || !skip(TAIL)) return null;
  const version = readInteger();
  if (Number.isNaN(version) || pos !== limit - 1 || bytes[pos] !== 0x7d) return null;
  return {
    code,
    language: 'JAVA',
    version: version | 0,
    opaque: opaque | 0,
    flag: flag | 0,
    remark: null,
    extFields,
    serializeType: SerializeType.JSON,
    body,
  };
}
