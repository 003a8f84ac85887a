/**
 * The two header serializations of the remoting protocol: fastjson-compatible JSON text (type 0) and the ROCKETMQ
 * binary layout (type 1). Encoders write exactly what the Java `RemotingCommand` writes; decoders accept what Java
 * accepts (any key order, numbers and booleans inside extFields, missing optional fields).
 */
import { RemotingProtocolError } from '../errors.js';
import { javaUtf8Text } from './binary-header-writer.js';
import { readSendAnswerHeader } from './json-header-reader.js';
import { languageFromCode, languageToCode, SerializeType, type RemotingCommand } from './remoting-command.js';

/**
 * The JSON header text of a command, byte-identical to Java's `fastjson.toJSONString(command)`: keys in
 * alphabetical order, nulls omitted, extFields in insertion order.
 */
export function jsonHeaderText(command: RemotingCommand): string {
  let text = '{"code":' + command.code;
  const ext = command.extFields;
  if (ext !== null) {
    text += ',"extFields":{';
    let first = true;
    for (const key in ext) {
      const value = ext[key];
      if (value === undefined || value === null) continue;
      text += (first ? '' : ',') + JSON.stringify(key) + ':' + JSON.stringify(value);
      first = false;
    }
    text += '}';
  }
  text += ',"flag":' + command.flag + ',"language":' + JSON.stringify(command.language) + ',"opaque":' + command.opaque;
  if (command.remark !== null) text += ',"remark":' + JSON.stringify(command.remark);
  return text + ',"serializeTypeCurrentRPC":"JSON","version":' + command.version + '}';
}

/**
 * Byte length of the ROCKETMQ binary header of a command (the reference for the fast writer in
 * `binary-header-writer.ts`).
 */
export function binaryHeaderLength(command: RemotingCommand): number {
  let length = 21;
  if (command.remark !== null) length += Buffer.byteLength(javaUtf8Text(command.remark));
  const ext = command.extFields;
  if (ext !== null) {
    for (const key in ext) {
      const value = ext[key] as unknown;
      if (value === undefined || value === null) continue;
      length += 6 + Buffer.byteLength(javaUtf8Text(key)) + Buffer.byteLength(javaUtf8Text(String(value)));
    }
  }
  return length;
}

/**
 * Writes the ROCKETMQ binary header of a command into `target` at `offset`; returns the offset after it. The
 * reference encoder, written as the Java `RocketMQSerializable.rocketMQProtocolEncode` reads: the frames go through
 * the one-pass `encodeBinaryFrameHeadInto`, which writes the same bytes.
 */
export function writeBinaryHeader(command: RemotingCommand, target: Buffer, offset: number): number {
  let pos = offset;
  pos = target.writeInt16BE(command.code, pos);
  pos = target.writeUInt8(languageToCode(command.language), pos);
  pos = target.writeInt16BE(command.version, pos);
  pos = target.writeInt32BE(command.opaque, pos);
  pos = target.writeInt32BE(command.flag, pos);
  if (command.remark !== null && command.remark.length > 0) {
    const written = target.write(javaUtf8Text(command.remark), pos + 4);
    target.writeInt32BE(written, pos);
    pos += 4 + written;
  } else {
    pos = target.writeInt32BE(0, pos);
  }
  const extLengthAt = pos;
  pos += 4;
  const ext = command.extFields;
  if (ext !== null) {
    for (const key in ext) {
      const value = ext[key] as unknown;
      if (value === undefined || value === null) continue;
      const keyLength = target.write(javaUtf8Text(key), pos + 2);
      target.writeInt16BE(keyLength, pos);
      pos += 2 + keyLength;
      const valueLength = target.write(javaUtf8Text(String(value)), pos + 4);
      target.writeInt32BE(valueLength, pos);
      pos += 4 + valueLength;
    }
  }
  target.writeInt32BE(pos - extLengthAt - 4, extLengthAt);
  return pos;
}

/**
 * Decodes a JSON header from `bytes[start, end)`. Throws {@link RemotingProtocolError} when it is not one.
 * A send's success answer in fastjson's compact form is read by a template reader (`json-header-reader.ts`, the
 * same command, less than half the CPU); every other header by {@link decodeJsonHeaderInGeneral}.
 */
export function decodeJsonHeader(bytes: Buffer, start: number, end: number, body: Buffer | null): RemotingCommand {
  return readSendAnswerHeader(bytes, start, end, body) ?? decodeJsonHeaderInGeneral(bytes, start, end, body);
}

/**
 * Decodes any JSON header from `bytes[start, end)` with `JSON.parse`, as Java does (any key order, numbers and
 * booleans inside extFields, missing optional fields). Throws {@link RemotingProtocolError} when it is not one.
 * @internal
 */
export function decodeJsonHeaderInGeneral(bytes: Buffer, start: number, end: number, body: Buffer | null): RemotingCommand {
  let parsed: unknown;
  try {
    parsed = JSON.parse(bytes.toString('utf8', start, end));
  } catch (cause) {
    throw new RemotingProtocolError('Undecodable JSON remoting header', { cause });
  }
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) {
    throw new RemotingProtocolError('JSON remoting header is not an object');
  }
  const header = parsed as Record<string, unknown>;
  const code = header.code;
  if (typeof code !== 'number' || !Number.isInteger(code)) {
    throw new RemotingProtocolError('JSON remoting header has no integer "code"');
  }
  return {
    code,
    language: typeof header.language === 'string' ? header.language : 'JAVA',
    version: toInt(header.version),
    opaque: toInt(header.opaque),
    flag: toInt(header.flag),
    remark: typeof header.remark === 'string' ? header.remark : null,
    extFields: toExtFields(header.extFields),
    serializeType: SerializeType.JSON,
    body,
  };
}

function toInt(value: unknown): number {
  return typeof value === 'number' && Number.isFinite(value) ? value | 0 : 0;
}

// fastjson coerces numbers and booleans inside extFields to strings, and drops nulls; so do we.
function toExtFields(value: unknown): Record<string, string> | null {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return null;
  const parsed = value as Record<string, unknown>;
  // JSON.parse made a fresh object: when every value is already a string (what Java sends), use it as it is.
  for (const key in parsed) {
    if (typeof parsed[key] !== 'string') return coerceExtFields(parsed);
  }
  return parsed as Record<string, string>;
}

function coerceExtFields(parsed: Record<string, unknown>): Record<string, string> {
  const ext: Record<string, string> = {};
  for (const [key, raw] of Object.entries(parsed)) {
    if (raw === null || raw === undefined) continue;
    setField(ext, key, typeof raw === 'string' ? raw : typeof raw === 'object' ? JSON.stringify(raw) : String(raw));
  }
  return ext;
}

/** `bytes[from, to)` as UTF-8 text, taken from the latin1 `region` (which starts at `base`) when it is ASCII. */
function fieldText(bytes: Buffer, region: string, base: number, from: number, to: number): string {
  for (let i = from; i < to; i++) {
    if (bytes[i]! >= 0x80) return bytes.toString('utf8', from, to);
  }
  return region.substring(from - base, to - base);
}

/** Sets `ext[key]`, also for the key `__proto__` (a plain assignment would change the prototype instead). */
function setField(ext: Record<string, string>, key: string, value: string): void {
  if (key === '__proto__') Object.defineProperty(ext, key, { value, enumerable: true, writable: true, configurable: true });
  else ext[key] = value;
}

/**
 * Keys seen in binary headers, by a hash of their bytes: a header's keys are nearly always the same few (the V2
 * letters, `msgId`, `queueId`, …), so the decoder hands out the same (internalized) string instead of a new one per
 * field, and the property stores that build `extFields` take V8's fast path. A slot holds the last key that hashed to
 * it; a key that does not match its slot's is decoded as usual and takes the slot.
 */
const keySlots: (string | undefined)[] = new Array<string | undefined>(256).fill(undefined);
/** Keys longer than this are decoded without the cache. */
const CACHED_KEY_BYTES = 32;

/** The ASCII key `bytes[from, to)`, from the cache when it is there; `null` when the key is not ASCII. */
function asciiKey(bytes: Buffer, from: number, to: number): string | null {
  let hash = to - from;
  for (let i = from; i < to; i++) {
    const byte = bytes[i]!;
    if (byte >= 0x80) return null;
    hash = (hash * 31 + byte) | 0;
  }
  const slot = (hash ^ (hash >>> 8)) & 255;
  const cached = keySlots[slot];
  if (cached !== undefined && cached.length === to - from) {
    let same = true;
    for (let i = 0; i < cached.length; i++) {
      if (cached.charCodeAt(i) !== bytes[from + i]) {
        same = false;
        break;
      }
    }
    if (same) return cached;
  }
  const key = bytes.toString('latin1', from, to);
  keySlots[slot] = key;
  return key;
}

function readInt32(bytes: Buffer, pos: number): number {
  return (bytes[pos]! << 24) | (bytes[pos + 1]! << 16) | (bytes[pos + 2]! << 8) | bytes[pos + 3]!;
}

function readInt16(bytes: Buffer, pos: number): number {
  return (((bytes[pos]! << 8) | bytes[pos + 1]!) << 16) >> 16;
}

/**
 * Decodes a ROCKETMQ binary header from `bytes[start, end)`. As in Java, a zero-length string decodes as absent
 * (empty remark → `null`, empty value → no entry) and a duplicated key overwrites. Throws
 * {@link RemotingProtocolError} when a length is negative or points past the header.
 */
export function decodeBinaryHeader(bytes: Buffer, start: number, end: number, body: Buffer | null): RemotingCommand {
  if (end - start < 21) throw new RemotingProtocolError(`ROCKETMQ header of ${end - start} bytes is shorter than 21`);
  let pos = start;
  const code = readInt16(bytes, pos);
  const languageCode = bytes[pos + 2]!;
  const language = languageCode === 0 ? 'JAVA' : languageFromCode(languageCode);
  const version = readInt16(bytes, pos + 3);
  const opaque = readInt32(bytes, pos + 5);
  const flag = readInt32(bytes, pos + 9);
  const remarkLength = readInt32(bytes, pos + 13);
  pos += 17;
  if (remarkLength < 0 || remarkLength > end - pos - 4) {
    throw new RemotingProtocolError(`ROCKETMQ header remark length ${remarkLength} exceeds the header`);
  }
  const remark = remarkLength > 0 ? bytes.toString('utf8', pos, pos + remarkLength) : null;
  pos += remarkLength;
  const extLength = readInt32(bytes, pos);
  pos += 4;
  if (extLength < 0 || extLength > end - pos) {
    throw new RemotingProtocolError(`ROCKETMQ header extFields length ${extLength} exceeds the header`);
  }
  let extFields: Record<string, string> | null = null;
  if (extLength > 0) {
    extFields = {};
    const extEnd = pos + extLength;
    // One latin1 decode of the whole entries region; ASCII values (nearly all) are substrings of it.
    const region = bytes.toString('latin1', pos, extEnd);
    const base = pos;
    while (pos < extEnd) {
      if (extEnd - pos < 2) throw new RemotingProtocolError('ROCKETMQ header extFields entry is truncated');
      const keyLength = readInt16(bytes, pos);
      pos += 2;
      if (keyLength < 0 || keyLength > extEnd - pos - 4) {
        throw new RemotingProtocolError(`ROCKETMQ header key length ${keyLength} exceeds the header`);
      }
      const keyEnd = pos + keyLength;
      const key =
        (keyLength <= CACHED_KEY_BYTES ? asciiKey(bytes, pos, keyEnd) : null) ?? fieldText(bytes, region, base, pos, keyEnd);
      pos = keyEnd;
      const valueLength = readInt32(bytes, pos);
      pos += 4;
      if (valueLength < 0 || valueLength > extEnd - pos) {
        throw new RemotingProtocolError(`ROCKETMQ header value length ${valueLength} exceeds the header`);
      }
      if (keyLength > 0 && valueLength > 0) setField(extFields, key, fieldText(bytes, region, base, pos, pos + valueLength));
      pos += valueLength;
    }
  }
  return { code, language, version, opaque, flag, remark, extFields, serializeType: SerializeType.ROCKETMQ, body };
}
