/**
 * Body of SEND_BATCH_MESSAGE (spec §10.2, Java `MessageDecoder.encodeMessages`): one record per message,
 * concatenated: totalSize, magic 0, CRC 0, flag, bodyLength, body, propertiesLength (short), properties.
 */
import { MQClientError } from '../errors.js';
import { MessageErrorCode } from './error-codes.js';
import { MAX_PROPERTIES_BYTES } from './properties.js';

/** One message of a batch body. */
export interface BatchRecord {
  /** Message body (never compressed in a batch). */
  body: Buffer | Uint8Array;
  /** `Message.flag` (user int32). */
  flag: number;
  /** Properties string of this message (spec §9.1). */
  properties: string;
}

/** A decoded batch record; `body` is a view into the batch buffer (copy it to keep it past the request). */
export interface DecodedBatchRecord {
  body: Buffer;
  flag: number;
  properties: string;
}

const RECORD_FIXED_BYTES = 4 + 4 + 4 + 4 + 4 + 2;
const MESSAGE_ILLEGAL = 13;

/**
 * Encodes the records of a batch into one buffer, allocated once.
 *
 * @param records - the messages, in send order
 * @returns the SEND_BATCH_MESSAGE body
 * @throws MQClientError `RMQ_ERR_PROPERTIES_TOO_LARGE` if a properties string exceeds 32767 UTF-8 bytes
 * @example
 * ```ts
 * encodeBatchBody([{ body: Buffer.from('Hello'), flag: 0, properties: 'WAIT\x01true' }]);
 * ```
 */
export function encodeBatchBody(records: readonly BatchRecord[]): Buffer {
  const propertyLengths = new Array<number>(records.length);
  let total = 0;
  for (let i = 0; i < records.length; i++) {
    const record = records[i]!;
    const length = Buffer.byteLength(record.properties, 'utf8');
    if (length > MAX_PROPERTIES_BYTES) throw propertiesTooLarge(i, length);
    propertyLengths[i] = length;
    total += RECORD_FIXED_BYTES + record.body.length + length;
  }
  return writeBatchRecords(records, propertyLengths, Buffer.allocUnsafe(total));
}

/**
 * {@link encodeBatchBody} for records whose properties' UTF-8 lengths are known already (a producer computes them
 * once per message, when it sizes the batch), so no record's properties are measured twice.
 *
 * @param records - the messages, in send order
 * @param propertyLengths - the exact UTF-8 bytes of each record's `properties` (`Buffer.byteLength`): the caller
 *   guarantees it, the records are written by it
 * @param allocate - gives the buffer of exactly the body's size the records are written into (a pooled one);
 *   default `Buffer.allocUnsafe`
 * @param writeProperties - writes a record's properties bytes itself at `pos` (exactly its `propertyLengths` entry
 *   of them, the UTF-8 of its `properties`) and returns `true`, or returns `false` to have `properties` written; for a
 *   caller that has those bytes without the string (a constant template around an id)
 * @returns the SEND_BATCH_MESSAGE body, byte for byte what {@link encodeBatchBody} returns
 * @throws MQClientError `RMQ_ERR_PROPERTIES_TOO_LARGE` as {@link encodeBatchBody}
 * @internal
 */
export function encodeBatchBodyWithLengths<R extends BatchRecord>(
  records: readonly R[],
  propertyLengths: readonly number[],
  allocate: (bytes: number) => Buffer = allocateBody,
  writeProperties?: (record: R, out: Buffer, pos: number) => boolean,
): Buffer {
  let total = 0;
  for (let i = 0; i < records.length; i++) {
    const length = propertyLengths[i]!;
    if (length > MAX_PROPERTIES_BYTES) throw propertiesTooLarge(i, length);
    total += RECORD_FIXED_BYTES + records[i]!.body.length + length;
  }
  return writeBatchRecords(records, propertyLengths, allocate(total), writeProperties);
}

function allocateBody(bytes: number): Buffer {
  return Buffer.allocUnsafe(bytes);
}

function propertiesTooLarge(index: number, length: number): MQClientError {
  return new MQClientError(
    `Batch message #${index}: its properties are ${length} UTF-8 bytes, above the limit of ${MAX_PROPERTIES_BYTES}; ` +
      'send fewer or shorter properties.',
    MESSAGE_ILLEGAL,
    { code: MessageErrorCode.PROPERTIES_TOO_LARGE },
  );
}

/** Writes an int32 big-endian at `pos` (plain byte stores: cheaper than `writeInt32BE`'s checks per field). */
function putInt32(out: Buffer, pos: number, value: number): void {
  out[pos] = value >>> 24;
  out[pos + 1] = value >>> 16;
  out[pos + 2] = value >>> 8;
  out[pos + 3] = value;
}

/** The records, straight into `out` (exactly their size). */
function writeBatchRecords<R extends BatchRecord>(
  records: readonly R[],
  propertyLengths: readonly number[],
  out: Buffer,
  writeProperties?: (record: R, out: Buffer, pos: number) => boolean,
): Buffer {
  let pos = 0;
  for (let i = 0; i < records.length; i++) {
    const record = records[i]!;
    const body = record.body;
    const propertiesLength = propertyLengths[i]!;
    putInt32(out, pos, RECORD_FIXED_BYTES + body.length + propertiesLength);
    putInt32(out, pos + 4, 0); // magic code: unused in a batch
    putInt32(out, pos + 8, 0); // body CRC: the broker computes it
    putInt32(out, pos + 12, record.flag | 0);
    putInt32(out, pos + 16, body.length);
    pos += 20;
    out.set(body, pos);
    pos += body.length;
    out[pos] = propertiesLength >>> 8;
    out[pos + 1] = propertiesLength;
    pos += 2;
    if (writeProperties === undefined || !writeProperties(record, out, pos)) {
      // Properties are nearly always ASCII (names, hex ids, plain values): their UTF-8 length is then their length
      // (and only then), and their bytes are their Latin-1 bytes, which Buffer writes more cheaply than UTF-8.
      const properties = record.properties;
      out.write(properties, pos, propertiesLength, properties.length === propertiesLength ? 'latin1' : 'utf8');
    }
    pos += propertiesLength;
  }
  return out;
}

function malformed(offset: number, why: string): MQClientError {
  return new MQClientError(
    `Malformed batch body at byte ${offset}: ${why}. The sender must encode each message as ` +
      'totalSize, magic, CRC, flag, bodyLength, body, propertiesLength, properties.',
    MESSAGE_ILLEGAL,
    { code: MessageErrorCode.MALFORMED_BATCH },
  );
}

/**
 * Decodes a SEND_BATCH_MESSAGE body, checking every length against the buffer and each record's `totalSize`.
 *
 * @param body - the request body
 * @returns the records; each `body` is a view into `body` (no copy)
 * @throws MQClientError `RMQ_ERR_MALFORMED_BATCH` (responseCode 13) on an empty, truncated or inconsistent body
 * @example
 * ```ts
 * for (const { body, flag, properties } of decodeBatchBody(request.body)) store(Buffer.from(body), flag, properties);
 * ```
 */
export function decodeBatchBody(body: Buffer): DecodedBatchRecord[] {
  if (body.length === 0) throw malformed(0, 'the batch has no messages');
  const records: DecodedBatchRecord[] = [];
  let pos = 0;
  while (pos < body.length) {
    const start = pos;
    if (body.length - pos < RECORD_FIXED_BYTES) throw malformed(start, 'truncated record header');
    const totalSize = body.readInt32BE(pos);
    const flag = body.readInt32BE(pos + 12);
    const bodyLength = body.readInt32BE(pos + 16);
    pos += 20;
    if (bodyLength < 0 || bodyLength > body.length - pos - 2) throw malformed(start, `bad body length ${bodyLength}`);
    const messageBody = body.subarray(pos, pos + bodyLength);
    pos += bodyLength;
    const propertiesLength = body.readInt16BE(pos);
    pos += 2;
    if (propertiesLength < 0 || propertiesLength > body.length - pos) {
      throw malformed(start, `bad properties length ${propertiesLength}`);
    }
    const properties = body.toString('utf8', pos, pos + propertiesLength);
    pos += propertiesLength;
    if (totalSize !== pos - start) throw malformed(start, `totalSize ${totalSize} does not match ${pos - start}`);
    records.push({ body: messageBody, flag, properties });
  }
  return records;
}
