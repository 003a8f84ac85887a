/**
 * Fast path of the JSON header encoder: writes the bytes of `jsonHeaderText(command)` straight into a buffer
 * instead of building a string, measuring its UTF-8 length and encoding it again. Plain printable ASCII (nearly
 * every header string) is copied byte by byte; anything else goes through `JSON.stringify`, so the output stays
 * byte-identical to the reference `jsonHeaderText` (checked by a property test).
 *
 * The target is a caller's buffer with a fixed room ({@link encodeJsonFrameHeadInto}: a connection's write buffer, so
 * that the head is written once, where it will be sent from), or a reused scratch buffer, doubled until the head
 * fits, from which {@link encodeJsonFrameHead} copies it into a buffer of its own.
 *
 * @internal
 */
import type { RemotingCommand } from './remoting-command.js';

/** Where {@link encodeJsonFrameHead} encodes before copying; replaced by a larger one when a head does not fit. */
let scratch: Buffer = Buffer.allocUnsafe(64 * 1024);

/** Thrown (and caught in {@link encodeJsonFrameHeadInto}) when the target has no room left: not an error. */
const NO_ROOM = { noRoom: true };

function room(pos: number, extra: number, limit: number): void {
  if (pos + extra > limit) throw NO_ROOM;
}

/** Writes `text` as UTF-8 (non-strings from untyped callers, JSON.stringify'd). */
function writeUtf8(buf: Buffer, pos: number, text: string, limit: number): number {
  room(pos, 3 * text.length, limit);
  return pos + buf.write(text, pos, 'utf8');
}

/** Copies pre-encoded ASCII bytes. */
function writeBytes(buf: Buffer, pos: number, bytes: Uint8Array, limit: number): number {
  room(pos, bytes.length, limit);
  buf.set(bytes, pos);
  return pos + bytes.length;
}

/** Writes `String(value)` (digits straight into the buffer for int32 values, no string built). */
function writeNumber(buf: Buffer, pos: number, value: number, limit: number): number {
  if ((value | 0) !== value) return writeUtf8(buf, pos, String(value), limit);
  room(pos, 11, limit);
  let rest = value;
  if (rest < 0) {
    buf[pos++] = 0x2d;
    rest = -rest;
  }
  let end = pos + 1;
  for (let scale = 10; scale <= rest; scale *= 10) end++;
  let at = end;
  do {
    const next = Math.floor(rest / 10);
    buf[--at] = 0x30 + rest - next * 10;
    rest = next;
  } while (rest > 0);
  return end;
}

/** Writes `JSON.stringify(value)` as UTF-8 at `pos`; returns the position after it. */
function writeString(buf: Buffer, pos: number, value: string, limit: number): number {
  const length = value.length;
  // Worst case: every UTF-16 unit becomes a 6-byte \u escape; plus the quotes.
  room(pos, 6 * length + 2, limit);
  buf[pos] = 0x22;
  let at = pos + 1;
  for (let i = 0; i < length; i++) {
    const c = value.charCodeAt(i);
    if (c >= 0x20 && c !== 0x22 && c !== 0x5c) {
      if (c < 0x80) {
        buf[at++] = c;
        continue;
      }
      // Non-ASCII (and lone surrogates, which JSON.stringify escapes): leave it to JSON.stringify.
      return pos + buf.write(JSON.stringify(value), pos, 'utf8');
    }
    // The escapes JSON.stringify writes (the property separators \u0001 / \u0002 come through here).
    buf[at++] = 0x5c;
    const short = c < 0x20 ? SHORT_ESCAPES[c]! : c;
    if (short !== 0) {
      buf[at++] = short;
    } else {
      buf[at++] = 0x75; // u
      buf[at++] = 0x30;
      buf[at++] = 0x30;
      buf[at++] = HEX[c >> 4]!;
      buf[at++] = HEX[c & 0xf]!;
    }
  }
  buf[at++] = 0x22;
  return at;
}

/** For control characters: the letter of their short escape (`\n` → `n`), or 0 for `\u00XX`. */
const SHORT_ESCAPES = new Uint8Array(0x20);
SHORT_ESCAPES[0x08] = 0x62; // b
SHORT_ESCAPES[0x09] = 0x74; // t
SHORT_ESCAPES[0x0a] = 0x6e; // n
SHORT_ESCAPES[0x0c] = 0x66; // f
SHORT_ESCAPES[0x0d] = 0x72; // r
const HEX = Buffer.from('0123456789abcdef', 'latin1');

const ascii = (text: string): Buffer => Buffer.from(text, 'latin1');
const CODE = ascii('{"code":');
const EXT_FIELDS = ascii(',"extFields":{');
const EXT_END_FLAG = ascii('},"flag":');
const FLAG = ascii(',"flag":');
const LANGUAGE = ascii(',"language":');
const OPAQUE = ascii(',"opaque":');
const REMARK = ascii(',"remark":');
const TAIL = ascii(',"serializeTypeCurrentRPC":"JSON","version":');

/**
 * Encodes the frame head (length prefix, header-info word, JSON header) of `command` for a body of `bodyLength`
 * bytes, into a new buffer of exactly that size.
 */
export function encodeJsonFrameHead(command: RemotingCommand, bodyLength: number): Buffer {
  let end = encodeJsonFrameHeadInto(command, bodyLength, scratch, 0);
  while (end < 0) {
    scratch = Buffer.allocUnsafe(scratch.length * 2);
    end = encodeJsonFrameHeadInto(command, bodyLength, scratch, 0);
  }
  const head = Buffer.allocUnsafe(end);
  scratch.copy(head, 0, 0, end);
  return head;
}

/**
 * Encodes the frame head of `command` (as {@link encodeJsonFrameHead}) into `target` at `offset`.
 * @returns the offset after the head, or -1 when it may not fit in `target` (room is checked for the worst case of
 *   each string, 6 bytes per character; then what follows `offset` in `target` is undefined, nothing else touched)
 */
export function encodeJsonFrameHeadInto(command: RemotingCommand, bodyLength: number, target: Buffer, offset: number): number {
  try {
    return writeFrameHead(command, bodyLength, target, offset);
  } catch (error) {
    if (error === NO_ROOM) return -1;
    throw error;
  }
}

/** Writes the frame head into `buf` at `start`; returns the offset after it. */
function writeFrameHead(command: RemotingCommand, bodyLength: number, buf: Buffer, start: number): number {
  const limit = buf.length;
  let pos = writeBytes(buf, start + 8, CODE, limit);
  pos = writeNumber(buf, pos, command.code, limit);
  const ext = command.extFields;
  if (ext !== null) {
    pos = writeBytes(buf, pos, EXT_FIELDS, limit);
    let first = true;
    for (const key in ext) {
      const value = ext[key];
      if (value === undefined || value === null) continue;
      if (!first) {
        room(pos, 1, limit);
        buf[pos++] = 0x2c;
      }
      first = false;
      pos = writeString(buf, pos, key, limit);
      room(pos, 1, limit);
      buf[pos++] = 0x3a;
      // Non-strings only come from untyped callers; write them as the reference encoder does.
      pos = typeof value === 'string' ? writeString(buf, pos, value, limit) : writeUtf8(buf, pos, JSON.stringify(value), limit);
    }
    pos = writeBytes(buf, pos, EXT_END_FLAG, limit);
  } else {
    pos = writeBytes(buf, pos, FLAG, limit);
  }
  pos = writeNumber(buf, pos, command.flag, limit);
  pos = writeBytes(buf, pos, LANGUAGE, limit);
  pos = writeString(buf, pos, command.language, limit);
  pos = writeBytes(buf, pos, OPAQUE, limit);
  pos = writeNumber(buf, pos, command.opaque, limit);
  if (command.remark !== null) {
    pos = writeBytes(buf, pos, REMARK, limit);
    pos = writeString(buf, pos, command.remark, limit);
  }
  pos = writeBytes(buf, pos, TAIL, limit);
  pos = writeNumber(buf, pos, command.version, limit);
  room(pos, 1, limit);
  buf[pos++] = 0x7d;
  const headerLength = pos - start - 8;
  if (headerLength > 0xffffff) {
    throw new RangeError(`Remoting header of ${headerLength} bytes exceeds the 24-bit header length field`);
  }
  buf.writeInt32BE(4 + headerLength + bodyLength, start);
  buf.writeInt32BE(headerLength, start + 4);
  return pos;
}
