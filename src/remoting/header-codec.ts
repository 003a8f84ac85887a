/**
 * The two header serializations of the remoting protocol: fastjson-compatible JSON text (type 0) and the ROCKETMQ
 * binary layout (type 1). Encoders write exactly what the Java `RemotingCommand` writes; decoders accept what Java
 * accepts (any key order, numbers and booleans inside extFields, missing optional fields).
 */
import { RemotingProtocolError } from '../errors.js';
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

/** Byte length of the ROCKETMQ binary header of a command. */
export function binaryHeaderLength(command: RemotingCommand): number {
  let length = 21;
  if (command.remark !== null) length += Buffer.byteLength(command.remark);
  const ext = command.extFields;
  if (ext !== null) {
    for (const key in ext) {
      const value = ext[key];
      if (value === undefined || value === null) continue;
      length += 6 + Buffer.byteLength(key) + Buffer.byteLength(value);
    }
  }
  return length;
}

/** Writes the ROCKETMQ binary header of a command into `target` at `offset`; returns the offset after it. */
export function writeBinaryHeader(command: RemotingCommand, target: Buffer, offset: number): number {
  let pos = offset;
  pos = target.writeInt16BE(command.code, pos);
  pos = target.writeUInt8(languageToCode(command.language), pos);
  pos = target.writeInt16BE(command.version, pos);
  pos = target.writeInt32BE(command.opaque, pos);
  pos = target.writeInt32BE(command.flag, pos);
  if (command.remark !== null && command.remark.length > 0) {
    const written = target.write(command.remark, pos + 4);
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
      const value = ext[key];
      if (value === undefined || value === null) continue;
      const keyLength = target.write(key, pos + 2);
      target.writeInt16BE(keyLength, pos);
      pos += 2 + keyLength;
      const valueLength = target.write(value, pos + 4);
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
 * Decodes a ROCKETMQ binary header from `bytes[start, end)`. As in Java, a zero-length string decodes as absent
 * (empty remark → `null`, empty value → no entry) and a duplicated key overwrites. Throws
 * {@link RemotingProtocolError} when a length points past the header.
 */
export function decodeBinaryHeader(bytes: Buffer, start: number, end: number, body: Buffer | null): RemotingCommand {
  if (end - start < 21) throw new RemotingProtocolError(`ROCKETMQ header of ${end - start} bytes is shorter than 21`);
  let pos = start;
  const code = bytes.readInt16BE(pos);
  const language = languageFromCode(bytes.readUInt8(pos + 2));
  const version = bytes.readInt16BE(pos + 3);
  const opaque = bytes.readInt32BE(pos + 5);
  const flag = bytes.readInt32BE(pos + 9);
  const remarkLength = bytes.readInt32BE(pos + 13);
  pos += 17;
  if (remarkLength < 0 || remarkLength > end - pos - 4) {
    throw new RemotingProtocolError(`ROCKETMQ header remark length ${remarkLength} exceeds the header`);
  }
  const remark = remarkLength > 0 ? bytes.toString('utf8', pos, pos + remarkLength) : null;
  pos += remarkLength;
  const extLength = bytes.readInt32BE(pos);
  pos += 4;
  if (extLength < 0 || extLength > end - pos) {
    throw new RemotingProtocolError(`ROCKETMQ header extFields length ${extLength} exceeds the header`);
  }
  let extFields: Record<string, string> | null = null;
  if (extLength > 0) {
    extFields = {};
    const extEnd = pos + extLength;
    // One latin1 decode of the whole entries region; ASCII keys and values (nearly all) are substrings of it.
    const region = bytes.toString('latin1', pos, extEnd);
    const base = pos;
    while (pos < extEnd) {
      if (extEnd - pos < 2) throw new RemotingProtocolError('ROCKETMQ header extFields entry is truncated');
      const keyLength = bytes.readInt16BE(pos);
      pos += 2;
      if (keyLength < 0 || keyLength > extEnd - pos - 4) {
        throw new RemotingProtocolError(`ROCKETMQ header key length ${keyLength} exceeds the header`);
      }
      const key = fieldText(bytes, region, base, pos, pos + keyLength);
      pos += keyLength;
      const valueLength = bytes.readInt32BE(pos);
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
