/**
 * Fast path of the JSON header encoder: writes the bytes of `jsonHeaderText(command)` straight into a buffer
 * instead of building a string, measuring its UTF-8 length and encoding it again. Plain printable ASCII (nearly
 * every header string) is copied byte by byte; anything else goes through `JSON.stringify`, so the output stays
 * byte-identical to the reference `jsonHeaderText` (checked by a property test).
 *
 * The target is either a reused scratch buffer that grows as needed ({@link encodeJsonFrameHead}: the head is then
 * copied into a buffer of its own) or a caller's buffer with a fixed room ({@link encodeJsonFrameHeadInto}: a
 * connection's write buffer, so that the head is written once, where it will be sent from).
 *
 * @internal
 */
import type { RemotingCommand } from './remoting-command.js';

let scratch: Buffer = Buffer.allocUnsafe(64 * 1024);
/** Where the writer writes: `scratch`, or the target of {@link encodeJsonFrameHeadInto}. */
let out = scratch;
/** Whether `out` is the scratch buffer (which grows) rather than a caller's buffer (which does not). */
let growable = true;

/** Thrown (and caught in {@link encodeJsonFrameHeadInto}) when a caller's buffer has no room left: not an error. */
const NO_ROOM = { noRoom: true };

function ensure(pos: number, extra: number): void {
  if (pos + extra <= out.length) return;
  if (!growable) throw NO_ROOM;
  const grown = Buffer.allocUnsafe(Math.max(scratch.length * 2, pos + extra));
  scratch.copy(grown, 0, 0, pos);
  scratch = grown;
  out = grown;
}

function writeUtf8(text: string, pos: number): number {
  ensure(pos, 3 * text.length);
  return pos + out.write(text, pos, 'utf8');
}

function writeAscii(text: string, pos: number): number {
  ensure(pos, text.length);
  const buf = out;
  for (let i = 0; i < text.length; i++) buf[pos + i] = text.charCodeAt(i);
  return pos + text.length;
}

/** Writes `JSON.stringify(value)` as UTF-8 at `pos`; returns the position after it. */
function writeString(value: string, pos: number): number {
  const length = value.length;
  // Worst case: every UTF-16 unit becomes a 6-byte \u escape; plus the quotes.
  ensure(pos, 6 * length + 2);
  const buf = out;
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

const enum Piece {
  Code = 0,
  ExtFields,
  Flag,
  Language,
  Opaque,
  Remark,
  Tail,
}
const PIECES = ['{"code":', ',"extFields":{', '},"flag":', ',"language":', ',"opaque":', ',"remark":', ',"serializeTypeCurrentRPC":"JSON","version":'];
const FLAG_FIRST = PIECES[Piece.Flag]!.slice(1);

/**
 * Encodes the frame head (length prefix, header-info word, JSON header) of `command` for a body of `bodyLength`
 * bytes, into a new buffer of exactly that size.
 */
export function encodeJsonFrameHead(command: RemotingCommand, bodyLength: number): Buffer {
  const pos = writeFrameHead(command, bodyLength, 0);
  const head = Buffer.allocUnsafe(pos);
  scratch.copy(head, 0, 0, pos);
  return head;
}

/**
 * Encodes the frame head of `command` (as {@link encodeJsonFrameHead}) into `target` at `offset`.
 * @returns the offset after the head, or -1 when it does not fit in `target` (then what follows `offset` in `target`
 *   is undefined, and nothing else was touched)
 */
export function encodeJsonFrameHeadInto(command: RemotingCommand, bodyLength: number, target: Buffer, offset: number): number {
  out = target;
  growable = false;
  try {
    return writeFrameHead(command, bodyLength, offset);
  } catch (error) {
    if (error === NO_ROOM) return -1;
    throw error;
  } finally {
    out = scratch;
    growable = true;
  }
}

/** Writes the frame head into `out` at `start`; returns the offset after it. */
function writeFrameHead(command: RemotingCommand, bodyLength: number, start: number): number {
  let pos = writeAscii(PIECES[Piece.Code]!, start + 8);
  pos = writeAscii(String(command.code), pos);
  const ext = command.extFields;
  if (ext !== null) {
    pos = writeAscii(PIECES[Piece.ExtFields]!, pos);
    let first = true;
    for (const key in ext) {
      const value = ext[key];
      if (value === undefined || value === null) continue;
      if (!first) {
        ensure(pos, 1);
        out[pos++] = 0x2c;
      }
      first = false;
      pos = writeString(key, pos);
      ensure(pos, 1);
      out[pos++] = 0x3a;
      // Non-strings only come from untyped callers; write them as the reference encoder does.
      pos = typeof value === 'string' ? writeString(value, pos) : writeUtf8(JSON.stringify(value), pos);
    }
    pos = writeAscii(PIECES[Piece.Flag]!, pos);
  } else {
    pos = writeAscii(FLAG_FIRST, pos);
  }
  pos = writeAscii(String(command.flag), pos);
  pos = writeAscii(PIECES[Piece.Language]!, pos);
  pos = writeString(command.language, pos);
  pos = writeAscii(PIECES[Piece.Opaque]!, pos);
  pos = writeAscii(String(command.opaque), pos);
  if (command.remark !== null) {
    pos = writeAscii(PIECES[Piece.Remark]!, pos);
    pos = writeString(command.remark, pos);
  }
  pos = writeAscii(PIECES[Piece.Tail]!, pos);
  pos = writeAscii(String(command.version), pos);
  ensure(pos, 1);
  out[pos++] = 0x7d;
  const headerLength = pos - start - 8;
  if (headerLength > 0xffffff) {
    throw new RangeError(`Remoting header of ${headerLength} bytes exceeds the 24-bit header length field`);
  }
  const buf = out;
  buf.writeInt32BE(4 + headerLength + bodyLength, start);
  buf.writeInt32BE(headerLength, start + 4);
  return pos;
}
