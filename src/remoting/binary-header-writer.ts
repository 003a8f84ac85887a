/**
 * Fast path of the ROCKETMQ binary header encoder: one pass straight into a buffer, where the reference encoder
 * (`binaryHeaderLength` + `writeBinaryHeader`) measures every string with `Buffer.byteLength` and then writes it with
 * `Buffer.write` (two native calls per key and per value: about 50 for a SEND_MESSAGE_V2 header). Short ASCII strings
 * (nearly every header string: the one-letter V2 keys, digits, names) are copied char by char; longer or non-ASCII
 * ones go through one `Buffer.write`. The output is byte-identical to the reference (checked by a property test),
 * which is what the Java `RocketMQSerializable.rocketMQProtocolEncode(cmd, out)` writes:
 *
 * `int16 code | int8 language | int16 version | int32 opaque | int32 flag | int32 remarkLength | remark |
 *  int32 extLength | (int16 keyLength | key | int32 valueLength | value)*`, big-endian, strings UTF-8 (a lone
 * surrogate as `?`, as Java's encoder writes it).
 *
 * The target is a caller's buffer with a fixed room ({@link encodeBinaryFrameHeadInto}: a connection's write buffer,
 * so that the head is written once, where it will be sent from), or a reused scratch buffer from which
 * {@link encodeBinaryFrameHead} copies it into a buffer of its own.
 *
 * @internal
 */
import { languageToCode, SerializeType, type RemotingCommand } from './remoting-command.js';

/** Where {@link encodeBinaryFrameHead} encodes before copying; replaced by a larger one when a head does not fit. */
let scratch: Buffer = Buffer.allocUnsafe(16 * 1024);

/** Thrown (and caught in {@link encodeBinaryFrameHeadInto}) when the target has no room left: not an error. */
const NO_ROOM = { noRoom: true };

/** Strings up to this many UTF-16 units are copied in JS; longer ones with one native `Buffer.write`. */
const SHORT_STRING = 48;

/** The header-info word of a ROCKETMQ frame, without the header length. */
const ROCKETMQ_MARK = SerializeType.ROCKETMQ << 24;

const LONE_SURROGATES = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/g;
const SURROGATE = /[\uD800-\uDFFF]/;

/** `text` as Java encodes it to UTF-8: a lone surrogate becomes `?` (Node would write U+FFFD). */
export function javaUtf8Text(text: string): string {
  return SURROGATE.test(text) ? text.replace(LONE_SURROGATES, '?') : text;
}

/** Writes `text` as UTF-8 at `pos` (Java's lone-surrogate rule); returns its byte length. Room: 3 bytes per unit. */
function writeText(buf: Buffer, pos: number, text: string): number {
  const length = text.length;
  if (length <= SHORT_STRING) {
    for (let i = 0; i < length; i++) {
      const c = text.charCodeAt(i);
      if (c >= 0x80) return buf.write(javaUtf8Text(text), pos, 'utf8');
      buf[pos + i] = c;
    }
    return length;
  }
  const written = buf.write(text, pos, 'utf8');
  // As many bytes as units: all ASCII, so no surrogate. Otherwise write it again if it has a lone one.
  if (written === length) return written;
  const java = javaUtf8Text(text);
  return java === text ? written : buf.write(java, pos, 'utf8');
}

/** When the worst case (3 bytes per unit) does not fit before `limit`: throws unless the exact bytes do. */
function needRoom(pos: number, text: string, limit: number): void {
  if (pos + Buffer.byteLength(javaUtf8Text(text)) > limit) throw NO_ROOM;
}

/** Writes a string with an int16 length before it; returns the position after it. */
function writeShortString(buf: Buffer, pos: number, text: string, limit: number): number {
  if (pos + 2 + 3 * text.length > limit) needRoom(pos + 2, text, limit);
  const length = writeText(buf, pos + 2, text);
  if (length > 0x7fff) throw new RangeError(`ROCKETMQ header key of ${length} bytes exceeds the int16 length field`);
  buf[pos] = length >>> 8;
  buf[pos + 1] = length & 0xff;
  return pos + 2 + length;
}

/** Writes a string with an int32 length before it; returns the position after it. */
function writeLongString(buf: Buffer, pos: number, text: string, limit: number): number {
  if (pos + 4 + 3 * text.length > limit) needRoom(pos + 4, text, limit);
  const length = writeText(buf, pos + 4, text);
  writeInt32(buf, pos, length);
  return pos + 4 + length;
}

function writeInt32(buf: Buffer, pos: number, value: number): void {
  buf[pos] = value >>> 24;
  buf[pos + 1] = (value >>> 16) & 0xff;
  buf[pos + 2] = (value >>> 8) & 0xff;
  buf[pos + 3] = value & 0xff;
}

function int16(name: string, value: number): number {
  if ((value << 16) >> 16 !== value) throw new RangeError(`${name} ${value} does not fit the int16 of a ROCKETMQ header`);
  return value;
}

function int32(name: string, value: number): number {
  if ((value | 0) !== value) throw new RangeError(`${name} ${value} does not fit the int32 of a ROCKETMQ header`);
  return value;
}

/** Writes the frame head into `buf` at `start`; returns the offset after it. */
function writeFrameHead(command: RemotingCommand, bodyLength: number, buf: Buffer, start: number): number {
  const limit = buf.length;
  // Fixed part: 8 bytes of frame prefix, 17 bytes up to the remark, 4 of the extFields length.
  if (start + 29 > limit) throw NO_ROOM;
  const code = int16('code', command.code);
  const version = int16('version', command.version);
  const opaque = int32('opaque', command.opaque);
  const flag = int32('flag', command.flag);
  let pos = start + 8;
  buf[pos] = code >>> 8;
  buf[pos + 1] = code & 0xff;
  buf[pos + 2] = command.language === 'JAVA' ? 0 : languageToCode(command.language);
  buf[pos + 3] = version >>> 8;
  buf[pos + 4] = version & 0xff;
  writeInt32(buf, pos + 5, opaque);
  writeInt32(buf, pos + 9, flag);
  pos += 13;
  const remark = command.remark;
  if (remark !== null && remark.length > 0) {
    pos = writeLongString(buf, pos, remark, limit);
    if (pos + 4 > limit) throw NO_ROOM;
  } else {
    writeInt32(buf, pos, 0);
    pos += 4;
  }
  const extLengthAt = pos;
  pos += 4;
  const ext = command.extFields;
  if (ext !== null) {
    for (const key in ext) {
      const value = ext[key] as unknown;
      if (value === undefined || value === null) continue;
      pos = writeShortString(buf, pos, key, limit);
      // Non-strings only come from untyped callers: written as Java's `value.toString()` would.
      pos = writeLongString(buf, pos, typeof value === 'string' ? value : String(value), limit);
    }
  }
  writeInt32(buf, extLengthAt, pos - extLengthAt - 4);
  const headerLength = pos - start - 8;
  if (headerLength > 0xffffff) {
    throw new RangeError(`Remoting header of ${headerLength} bytes exceeds the 24-bit header length field`);
  }
  writeInt32(buf, start, 4 + headerLength + bodyLength);
  writeInt32(buf, start + 4, ROCKETMQ_MARK | headerLength);
  return pos;
}

/**
 * Encodes the ROCKETMQ frame head (length prefix, header-info word, binary header) of `command` for a body of
 * `bodyLength` bytes into `target` at `offset`.
 * @returns the offset after the head, or -1 when it does not fit in `target` (then what follows `offset` in `target`
 *   is undefined, nothing else touched)
 * @throws RangeError when a number does not fit its field (code and version: int16) or the header is over 16 MiB
 */
export function encodeBinaryFrameHeadInto(command: RemotingCommand, bodyLength: number, target: Buffer, offset: number): number {
  try {
    return writeFrameHead(command, bodyLength, target, offset);
  } catch (error) {
    if (error === NO_ROOM) return -1;
    throw error;
  }
}

/** Encodes the ROCKETMQ frame head of `command` (as {@link encodeBinaryFrameHeadInto}) into a buffer of its own. */
export function encodeBinaryFrameHead(command: RemotingCommand, bodyLength: number): Buffer {
  let end = encodeBinaryFrameHeadInto(command, bodyLength, scratch, 0);
  while (end < 0) {
    scratch = Buffer.allocUnsafe(scratch.length * 2);
    end = encodeBinaryFrameHeadInto(command, bodyLength, scratch, 0);
  }
  const head = Buffer.allocUnsafe(end);
  scratch.copy(head, 0, 0, end);
  return head;
}
