/**
 * Message body encoding: bytes pass through, strings become UTF-8, plain objects and arrays become msgpack.
 */
import { Packr, Unpackr } from 'msgpackr';
import { MQClientError } from '../errors.js';
import { MessageErrorCode } from './error-codes.js';
import { decodeProperties } from './properties.js';

/** Content type put in the `CONTENT_TYPE` property of a body encoded from an object. */
export const MSGPACK_CONTENT_TYPE = 'application/x-msgpack';

/** Name of the property carrying the body's content type (not a RocketMQ name; the broker stores it as is). */
export const CONTENT_TYPE_PROPERTY = 'CONTENT_TYPE';

// One long-lived instance: creating a Packr per message would re-allocate its buffers every time. No records
// (structure sharing), because the bytes leave the process and a consumer must decode each message on its own.
const packr = new Packr({ useRecords: false });
const unpackr = new Unpackr({ useRecords: false });

/** An encoded body and the content type to put in `CONTENT_TYPE` (`null`: leave the property out). */
export interface EncodedBody {
  bytes: Buffer;
  contentType: string | null;
}

/**
 * Turns a message body into bytes.
 *
 * - `Buffer` → itself; another `ArrayBufferView`/`ArrayBuffer` → a `Buffer` view of the same memory (no copy);
 * - `string` → UTF-8;
 * - any other object (plain object, array, …) → msgpack, content type {@link MSGPACK_CONTENT_TYPE}.
 *
 * @param body - the message body
 * @returns the bytes and content type
 * @throws MQClientError `RMQ_ERR_NULL_BODY` for `null`/`undefined`, `RMQ_ERR_INVALID_BODY` for numbers, booleans,
 *   bigints, symbols and functions
 * @example
 * ```ts
 * const { bytes, contentType } = encodeBody({ orderId: 188 }); // contentType 'application/x-msgpack'
 * ```
 */
export function encodeBody(body: unknown): EncodedBody {
  if (Buffer.isBuffer(body)) return { bytes: body, contentType: null };
  if (typeof body === 'string') return { bytes: Buffer.from(body, 'utf8'), contentType: null };
  if (ArrayBuffer.isView(body)) {
    return { bytes: Buffer.from(body.buffer, body.byteOffset, body.byteLength), contentType: null };
  }
  if (body instanceof ArrayBuffer) return { bytes: Buffer.from(body), contentType: null };
  if (body === null || body === undefined) {
    throw new MQClientError('The message body is null or undefined; pass a Buffer, a string or an object.', 13, {
      code: MessageErrorCode.NULL_BODY,
    });
  }
  if (typeof body !== 'object') {
    throw new MQClientError(
      `A message body of type ${typeof body} cannot be sent; pass a Buffer, a string, or an object/array (sent as msgpack).`,
      13,
      { code: MessageErrorCode.INVALID_BODY },
    );
  }
  // pack() returns a view into the Packr's shared slab, which the next pack() overwrites, and a retained view would
  // pin the whole slab: copy the bytes out, since the body lives until the send (and its retries) finish.
  return { bytes: Buffer.from(packr.pack(body)), contentType: MSGPACK_CONTENT_TYPE };
}

/**
 * Decodes a message body as the producer wrote it (consumer side): msgpack when the properties say
 * {@link MSGPACK_CONTENT_TYPE}, otherwise the bytes as they are. Decompress first if the message was compressed
 * (`decompressBody`).
 *
 * @param bytes - the (uncompressed) body
 * @param properties - the message properties, as a map or as the raw properties string
 * @returns the decoded object/array, or the body as a `Buffer`
 * @throws MQClientError `RMQ_ERR_MALFORMED_BODY` when the content type says msgpack and the bytes are not msgpack
 * A map key `__proto__` decodes as `__proto_` (msgpackr's guard: a body never sets an object's prototype).
 * @example
 * ```ts
 * const order = decodeBody(message.body, message.properties); // a property map or the raw properties string
 * ```
 */
export function decodeBody(
  bytes: Uint8Array,
  properties?: Readonly<Record<string, string>> | ReadonlyMap<string, string> | string | null,
): unknown {
  const buffer = Buffer.isBuffer(bytes) ? bytes : Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  if (contentTypeOf(properties) !== MSGPACK_CONTENT_TYPE) return buffer;
  try {
    return unpackr.unpack(buffer);
  } catch (cause) {
    // msgpackr throws plain Errors / RangeErrors for truncated or invalid data.
    throw new MQClientError(`The body is not valid msgpack (${buffer.length} bytes): ${(cause as Error)?.message ?? String(cause)}`, -1, {
      code: MessageErrorCode.MALFORMED_BODY,
      cause,
    });
  }
}

function contentTypeOf(
  properties: Readonly<Record<string, string>> | ReadonlyMap<string, string> | string | null | undefined,
): string | undefined {
  if (properties === null || properties === undefined) return undefined;
  if (typeof properties === 'string') {
    return decodeProperties(properties)[CONTENT_TYPE_PROPERTY];
  }
  if (properties instanceof Map) return properties.get(CONTENT_TYPE_PROPERTY);
  return Object.prototype.hasOwnProperty.call(properties, CONTENT_TYPE_PROPERTY)
    ? (properties as Record<string, string>)[CONTENT_TYPE_PROPERTY]
    : undefined;
}
