/**
 * Fast path of the JSON header encoder: writes the bytes of `jsonHeaderText(command)` straight into a buffer
 * instead of building a string, measuring its UTF-8 length and encoding it again. Plain printable ASCII (nearly
 * every header string) is copied byte by byte; anything else goes through `JSON.stringify`, so the output stays
 * byte-identical to the reference `jsonHeaderText` (checked by a property test). Segments of the head that equal
 * those of a recent request of the same kind are copied from its encoding instead (head templates, below).
 *
 * The target is a caller's buffer with a fixed room ({@link encodeJsonFrameHeadInto}: a connection's write buffer, so
 * that the head is written once, where it will be sent from), or a reused scratch buffer, doubled until the head
 * fits, from which {@link encodeJsonFrameHead} copies it into a buffer of its own.
 *
 * @internal
 */
import type { JsonFieldPieces, RemotingCommand } from './remoting-command.js';

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
    // One table load rather than four comparisons per character (about a third less time per string).
    if (c < 0x80 && PLAIN_ASCII[c] === 1) {
      buf[at++] = c;
      continue;
    }
    // Non-ASCII (and lone surrogates, which JSON.stringify escapes): leave it to JSON.stringify.
    if (c >= 0x80) return pos + buf.write(JSON.stringify(value), pos, 'utf8');
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

/** 1 for the ASCII characters JSON.stringify writes as they are (printable, `\x7f` too, but not `"` and `\`). */
const PLAIN_ASCII = new Uint8Array(0x80);
for (let c = 0x20; c < 0x80; c++) PLAIN_ASCII[c] = c === 0x22 || c === 0x5c ? 0 : 1;

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

/*
 * Head templates. Requests of one kind repeat most of their header: a producer's sends to one topic differ in a few
 * fields (a queue id, a timestamp, the properties) and the opaque. So the writer keeps the encoded head of a recent
 * request of each kind, cut into segments:
 *
 *   prefix `{"code":N,"extFields":{` | field 1 `"k":"v"` | field 2 `,"k":"v"` | … | middle `},"flag":F,"language":L,"opaque":`
 *   | (the opaque, never kept) | tail `,"remark":R` (when there is one) `,"serializeTypeCurrentRPC":"JSON","version":V}`
 *
 * and a later request copies each segment whose inputs are the same values (the same code; the same key and the
 * same string at the same position; the same flag and language; the same remark and version) from it, runs of
 * adjacent segments as one copy, and writes only the other segments from JS. Strings are immutable, so equal inputs
 * mean equal bytes; non-string field values (from untyped callers) are never reused. A segment is written by the same
 * function whether it goes to a template or to a request, so the bytes are those of the plain writer (and of
 * `jsonHeaderText`: a property test compares them over sequences of requests).
 *
 * A template follows its kind's traffic: a request that writes more than half of its segments itself replaces it
 * with its own head, and a field value that comes twice in a row where the template's differs (a bornTimestamp
 * within one millisecond) takes its place when its bytes are as long.
 *
 * Bounded: {@link TEMPLATE_SLOTS} templates of at most {@link MAX_TEMPLATE_BYTES} bytes and
 * {@link MAX_TEMPLATE_FIELDS} fields, picked by code and first key (a new kind takes the slots in turn); the strings
 * a template refers to are at most as long as its bytes.
 */

/** Templates kept (one per request kind: code and first extFields key). */
const TEMPLATE_SLOTS = 4;
/** A head longer than this (counting each string's worst case, 6 bytes per character) is never kept. */
const MAX_TEMPLATE_BYTES = 16 * 1024;
/** A header with more fields than this is never kept. */
const MAX_TEMPLATE_FIELDS = 40;
/** Runs of at most this many bytes are copied byte by byte; longer ones through a cached view. */
const SHORT_RUN = 8;
/** Segments of a template: prefix, fields, middle, tail. */
const MAX_SEGMENTS = MAX_TEMPLATE_FIELDS + 3;

/** The encoded head of one request, cut into segments (see above). */
interface HeadTemplate {
  /** False while it is (re)written and after a failed (re)write: then no request uses it. */
  usable: boolean;
  code: number;
  firstKey: string;
  /** Present (non-null) fields, in order. */
  count: number;
  keys: string[];
  /** The field values; `undefined` for a non-string value, which never matches. */
  values: (string | undefined)[];
  /** The value that last differed from the template's at each field (see {@link adoptField}). */
  repeats: (string | undefined)[];
  flag: number;
  language: string;
  remark: string | null;
  version: number;
  /** Segment `s` is `bytes[ends[s - 1], ends[s])` (from 0 for `s = 0`): 0 prefix, 1…count the fields, then middle, tail. */
  readonly ends: Int32Array;
  readonly bytes: Buffer;
  /** Bumped by each (re)write: a cached view is valid while its `viewGenerations` entry equals it. */
  generation: number;
  /** Views of `bytes` for runs of segments `first…last`, at `first * MAX_SEGMENTS + last`, made when first used. */
  readonly viewGenerations: Int32Array;
  readonly views: (Uint8Array | undefined)[];
}

const templates: (HeadTemplate | undefined)[] = new Array<HeadTemplate | undefined>(TEMPLATE_SLOTS).fill(undefined);
/** The slot the next new kind of request takes. */
let nextSlot = 0;

function newTemplate(): HeadTemplate {
  return {
    usable: false,
    code: 0,
    firstKey: '',
    count: 0,
    keys: [],
    values: [],
    repeats: [],
    flag: 0,
    language: '',
    remark: null,
    version: 0,
    ends: new Int32Array(MAX_TEMPLATE_FIELDS + 3),
    bytes: Buffer.allocUnsafe(MAX_TEMPLATE_BYTES),
    generation: 0,
    viewGenerations: new Int32Array(MAX_SEGMENTS * MAX_SEGMENTS),
    views: new Array<Uint8Array | undefined>(MAX_SEGMENTS * MAX_SEGMENTS).fill(undefined),
  };
}

/** Writes the frame head into `buf` at `start`; returns the offset after it. */
function writeFrameHead(command: RemotingCommand, bodyLength: number, buf: Buffer, start: number): number {
  const ext = command.extFields;
  let end: number;
  if (ext === null) {
    end = writeHeadWithoutFields(command, buf, start + 8, buf.length);
  } else {
    let firstKey: string | undefined;
    for (const key in ext) {
      const value = ext[key];
      if (value === undefined || value === null) continue;
      firstKey = key;
      break;
    }
    let template: HeadTemplate | undefined;
    // A slot with no usable template, taken before the turn of the others.
    let free = -1;
    if (firstKey !== undefined) {
      for (let slot = 0; slot < TEMPLATE_SLOTS; slot++) {
        const candidate = templates[slot];
        if (candidate === undefined || !candidate.usable) {
          if (free < 0) free = slot;
        } else if (candidate.code === command.code && candidate.firstKey === firstKey) {
          template = candidate;
          break;
        }
      }
    }
    if (template !== undefined) {
      end = writeHeadFromTemplate(command, ext, template, buf, start + 8, buf.length);
    } else {
      end = writeHead(command, ext, buf, start + 8, buf.length);
      if (firstKey !== undefined) {
        const slot = free >= 0 ? free : nextSlot;
        // The slot's template object is rewritten, not replaced. A head too large to keep leaves the slot free (and the
        // turn where it was), so such requests cost at most a partial second encoding, and evict one template at most.
        const kept = (templates[slot] ??= newTemplate());
        if (keepTemplate(kept, command, ext, firstKey) && free < 0) nextSlot = (nextSlot + 1) % TEMPLATE_SLOTS;
      }
    }
  }
  const headerLength = end - start - 8;
  if (headerLength > 0xffffff) {
    throw new RangeError(`Remoting header of ${headerLength} bytes exceeds the 24-bit header length field`);
  }
  buf.writeInt32BE(4 + headerLength + bodyLength, start);
  buf.writeInt32BE(headerLength, start + 4);
  return end;
}

/** The JSON header of a command without extFields, at `pos`. */
function writeHeadWithoutFields(command: RemotingCommand, buf: Buffer, pos: number, limit: number): number {
  pos = writeBytes(buf, pos, CODE, limit);
  pos = writeNumber(buf, pos, command.code, limit);
  pos = writeBytes(buf, pos, FLAG, limit);
  pos = writeNumber(buf, pos, command.flag, limit);
  pos = writeBytes(buf, pos, LANGUAGE, limit);
  pos = writeString(buf, pos, command.language, limit);
  pos = writeBytes(buf, pos, OPAQUE, limit);
  pos = writeNumber(buf, pos, command.opaque, limit);
  return writeTail(command, buf, pos, limit);
}

/** The JSON header of a command with extFields, every segment from JS, at `pos`. */
function writeHead(command: RemotingCommand, ext: Record<string, string>, buf: Buffer, pos: number, limit: number): number {
  pos = writePrefix(command, buf, pos, limit);
  let first = true;
  for (const key in ext) {
    const value = ext[key];
    if (value === undefined || value === null) continue;
    pos = writeField(buf, pos, key, value, first, limit, command.jsonFieldPieces);
    first = false;
  }
  pos = writeMiddle(command, buf, pos, limit);
  pos = writeNumber(buf, pos, command.opaque, limit);
  return writeTail(command, buf, pos, limit);
}

/** Segment "prefix": `{"code":N,"extFields":{`. */
function writePrefix(command: RemotingCommand, buf: Buffer, pos: number, limit: number): number {
  pos = writeBytes(buf, pos, CODE, limit);
  pos = writeNumber(buf, pos, command.code, limit);
  return writeBytes(buf, pos, EXT_FIELDS, limit);
}

/**
 * Segment "field": `"key":value`, after a comma unless it is the first; the value from `pieces` when they are this
 * field's (see {@link writePieces}).
 */
function writeField(
  buf: Buffer,
  pos: number,
  key: string,
  value: unknown,
  first: boolean,
  limit: number,
  pieces: JsonFieldPieces | null | undefined,
): number {
  if (!first) {
    room(pos, 1, limit);
    buf[pos++] = 0x2c;
  }
  pos = writeString(buf, pos, key, limit);
  room(pos, 1, limit);
  buf[pos++] = 0x3a;
  if (pieces != null && key === pieces.key && value === pieces.text) {
    const end = writePieces(buf, pos, pieces, limit);
    if (end >= 0) return end;
  }
  // Non-strings only come from untyped callers; write them as the reference encoder does.
  return typeof value === 'string' ? writeString(buf, pos, value, limit) : writeUtf8(buf, pos, JSON.stringify(value), limit);
}

/**
 * Writes `JSON.stringify(pieces.text)` from its pieces: the encoded `before`, the bytes of `middleStart` and the
 * encoded `after` are copied, only `middle` is written per character. Returns -1 (having written nothing that
 * counts) when `middle` is empty or holds a character that is not plain ASCII: then a surrogate of `before` could
 * pair with one of `after`, or `middle` needs escapes, and the caller writes the text itself. With plain ASCII in
 * between, escaping is per character on each side, so the bytes are those of the whole text.
 */
function writePieces(buf: Buffer, pos: number, pieces: JsonFieldPieces, limit: number): number {
  const before = pieces.beforeJson;
  const start = pieces.middleStartAscii;
  const middle = pieces.middle;
  const after = pieces.afterJson;
  if (middle.length === 0) return -1;
  room(pos, before.length + start.length + middle.length + after.length + 2, limit);
  buf[pos++] = 0x22;
  buf.set(before, pos);
  pos += before.length;
  buf.set(start, pos);
  let at = writePlainAscii(buf, pos + start.length, middle);
  if (at < 0) return -1;
  buf.set(after, at);
  at += after.length;
  buf[at++] = 0x22;
  return at;
}

/** Writes `text` when every character is plain printable ASCII (as JSON writes it); else returns -1. */
function writePlainAscii(buf: Buffer, at: number, text: string): number {
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c >= 0x80 || PLAIN_ASCII[c] !== 1) return -1;
    buf[at++] = c;
  }
  return at;
}

/**
 * The content of `JSON.stringify(text)` (no quotes) as UTF-8: the bytes the head writer writes for `text` inside a
 * string value, for {@link JsonFieldPieces}.
 */
export function jsonStringContent(text: string): Buffer {
  const quoted = Buffer.from(JSON.stringify(text), 'utf8');
  return quoted.subarray(1, quoted.length - 1);
}

/** Segment "middle": `},"flag":F,"language":L,"opaque":`. */
function writeMiddle(command: RemotingCommand, buf: Buffer, pos: number, limit: number): number {
  pos = writeBytes(buf, pos, EXT_END_FLAG, limit);
  pos = writeNumber(buf, pos, command.flag, limit);
  pos = writeBytes(buf, pos, LANGUAGE, limit);
  pos = writeString(buf, pos, command.language, limit);
  return writeBytes(buf, pos, OPAQUE, limit);
}

/** Segment "tail": `,"remark":R` when there is one, `,"serializeTypeCurrentRPC":"JSON","version":V}`. */
function writeTail(command: RemotingCommand, buf: Buffer, pos: number, limit: number): number {
  if (command.remark !== null) {
    pos = writeBytes(buf, pos, REMARK, limit);
    pos = writeString(buf, pos, command.remark, limit);
  }
  pos = writeBytes(buf, pos, TAIL, limit);
  pos = writeNumber(buf, pos, command.version, limit);
  room(pos, 1, limit);
  buf[pos++] = 0x7d;
  return pos;
}

/**
 * Encodes the head of `command` (all but the opaque) into `template`'s bytes and records its inputs; `false` when it
 * is too large to keep (then the template is left unusable).
 */
function keepTemplate(template: HeadTemplate, command: RemotingCommand, ext: Record<string, string>, firstKey: string): boolean {
  const bytes = template.bytes;
  const ends = template.ends;
  const keys = template.keys;
  const values = template.values;
  template.usable = false;
  try {
    let pos = writePrefix(command, bytes, 0, MAX_TEMPLATE_BYTES);
    ends[0] = pos;
    let count = 0;
    for (const key in ext) {
      const value = ext[key] as unknown;
      if (value === undefined || value === null) continue;
      if (count === MAX_TEMPLATE_FIELDS) return false;
      pos = writeField(bytes, pos, key, value, count === 0, MAX_TEMPLATE_BYTES, command.jsonFieldPieces);
      keys[count] = key;
      values[count] = typeof value === 'string' ? value : undefined;
      ends[++count] = pos;
    }
    pos = writeMiddle(command, bytes, pos, MAX_TEMPLATE_BYTES);
    ends[count + 1] = pos;
    pos = writeTail(command, bytes, pos, MAX_TEMPLATE_BYTES);
    ends[count + 2] = pos;
    keys.length = count;
    values.length = count;
    template.repeats.length = 0;
    template.count = count;
  } catch (error) {
    if (error === NO_ROOM) return false;
    throw error;
  }
  template.code = command.code;
  template.firstKey = firstKey;
  template.flag = command.flag;
  template.language = command.language;
  template.remark = command.remark;
  template.version = command.version;
  template.generation = (template.generation + 1) | 0 || 1;
  template.usable = true;
  return true;
}

/**
 * Copies segments `first…last` of `template` (contiguous bytes) to `pos`; returns the position after them.
 */
function copySegments(template: HeadTemplate, first: number, last: number, buf: Buffer, pos: number, limit: number): number {
  const from = first === 0 ? 0 : template.ends[first - 1]!;
  const to = template.ends[last]!;
  const length = to - from;
  room(pos, length, limit);
  const bytes = template.bytes;
  if (length <= SHORT_RUN) {
    for (let i = from; i < to; i++) buf[pos++] = bytes[i]!;
    return pos;
  }
  const slot = first * MAX_SEGMENTS + last;
  let view: Uint8Array;
  if (template.viewGenerations[slot] === template.generation) {
    view = template.views[slot]!;
  } else {
    view = bytes.subarray(from, to);
    template.viewGenerations[slot] = template.generation;
    template.views[slot] = view;
  }
  buf.set(view, pos);
  return pos + length;
}

/**
 * Makes `value` the template's value of field `segment` when its segment, just written to `buf[from, to)`, is as long
 * as the template's (same key, same position, so the same bytes as the template would have had with it).
 */
function adoptField(template: HeadTemplate, segment: number, value: string, buf: Buffer, from: number, to: number): void {
  const start = template.ends[segment - 1]!;
  if (template.ends[segment]! - start !== to - from) return;
  const bytes = template.bytes;
  for (let i = from, at = start; i < to; i++, at++) bytes[at] = buf[i]!;
  template.values[segment - 1] = value;
}

/**
 * The JSON header of a command with extFields, segments equal to `template`'s copied from it, at `pos`. When it copies
 * fewer segments than it writes, `template` becomes this command's head.
 */
function writeHeadFromTemplate(
  command: RemotingCommand,
  ext: Record<string, string>,
  template: HeadTemplate,
  buf: Buffer,
  pos: number,
  limit: number,
): number {
  const count = template.count;
  const keys = template.keys;
  const values = template.values;
  const repeats = template.repeats;
  // The run of template segments matched but not copied yet: first…last (none when first < 0); the prefix matches,
  // as the template was picked by code.
  let first = 0;
  let last = 0;
  let written = 0;
  let field = 0;
  const pieces = command.jsonFieldPieces;
  for (const key in ext) {
    const value = ext[key];
    if (value === undefined || value === null) continue;
    const segment = ++field;
    // A value given as pieces differs from the template's (it holds a unique id): not compared, nor remembered.
    const given = pieces != null && key === pieces.key && value === pieces.text;
    if (!given && segment <= count && key === keys[segment - 1] && value === values[segment - 1]) {
      if (first < 0) first = segment;
      else if (last !== segment - 1) {
        pos = copySegments(template, first, last, buf, pos, limit);
        first = segment;
      }
      last = segment;
    } else {
      if (first >= 0) {
        pos = copySegments(template, first, last, buf, pos, limit);
        first = -1;
      }
      const at = pos;
      pos = writeField(buf, pos, key, value, segment === 1, limit, pieces);
      written++;
      if (!given && segment <= count && key === keys[segment - 1] && typeof value === 'string') {
        // A value seen twice in a row here (a timestamp within one millisecond) replaces the template's when its
        // bytes are as long (the segment is rewritten in place; the views of the template stay valid).
        // (Only values that could fit are remembered, so what a template holds stays within its bytes' size.)
        if (value === repeats[segment - 1]) adoptField(template, segment, value, buf, at, pos);
        else if (value.length < template.ends[segment]! - template.ends[segment - 1]!) repeats[segment - 1] = value;
      }
    }
  }
  const middle = count + 1;
  if (command.flag === template.flag && command.language === template.language) {
    if (first < 0) first = middle;
    else if (last !== count) {
      pos = copySegments(template, first, last, buf, pos, limit);
      first = middle;
    }
    last = middle;
    pos = copySegments(template, first, last, buf, pos, limit);
  } else {
    if (first >= 0) pos = copySegments(template, first, last, buf, pos, limit);
    pos = writeMiddle(command, buf, pos, limit);
    written++;
  }
  pos = writeNumber(buf, pos, command.opaque, limit);
  if (command.remark === template.remark && command.version === template.version) {
    pos = copySegments(template, count + 2, count + 2, buf, pos, limit);
  } else {
    pos = writeTail(command, buf, pos, limit);
    written++;
  }
  if (2 * written > field + 3) keepTemplate(template, command, ext, template.firstKey);
  return pos;
}
