/**
 * Whole-frame encoding and decoding:
 * `int32 length (of what follows) | int32 (serializeType << 24 | headerLength) | header | body`.
 */
import { RemotingProtocolError } from '../errors.js';
import { encodeBinaryFrameHead, encodeBinaryFrameHeadInto } from './binary-header-writer.js';
import { decodeBinaryHeader, decodeJsonHeader } from './header-codec.js';
import { encodeJsonFrameHead, encodeJsonFrameHeadInto } from './json-header-writer.js';
import { SerializeType, type RemotingCommand } from './remoting-command.js';

/** The Java decoder's limit on `4 + length`: 16 MiB. */
export const DEFAULT_MAX_FRAME_BYTES = 16 * 1024 * 1024;

/**
 * Encodes the frame up to (not including) the body: length prefix, header-info word and header. The length prefix
 * already counts the body, so writing this buffer and then `command.body` puts a whole frame on the wire.
 * One allocation; nothing is copied twice.
 */
export function encodeFrameHead(command: RemotingCommand, bodyLength = command.body?.length ?? 0): Buffer {
  if (command.serializeType === SerializeType.ROCKETMQ) return encodeBinaryFrameHead(command, bodyLength);
  return encodeJsonFrameHead(command, bodyLength);
}

/**
 * Encodes the frame head of `command` (as {@link encodeFrameHead}) into `target` at `offset`, where it will be
 * written from: no buffer of its own, no copy.
 * @returns the offset after the head, or -1 when it may not fit in `target` (the writers check room for the worst case
 *   of each string)
 * @internal
 */
export function encodeFrameHeadInto(command: RemotingCommand, bodyLength: number, target: Buffer, offset: number): number {
  if (command.serializeType === SerializeType.ROCKETMQ) return encodeBinaryFrameHeadInto(command, bodyLength, target, offset);
  return encodeJsonFrameHeadInto(command, bodyLength, target, offset);
}

/** Encodes a whole frame (header and body) into one new buffer. */
export function encodeFrame(command: RemotingCommand): Buffer {
  const body = command.body;
  const head = encodeFrameHead(command);
  if (body === null || body.length === 0) return head;
  const frame = Buffer.allocUnsafe(head.length + body.length);
  head.copy(frame, 0);
  body.copy(frame, head.length);
  return frame;
}

/**
 * Decodes the part of a frame after its length prefix: `payload[start, end)` holds the header-info word, the header
 * and the body. The body is a view into `payload` (not a copy).
 * Throws {@link RemotingProtocolError} when the bytes are not a valid command.
 */
export function decodeFramePayload(payload: Buffer, start = 0, end = payload.length): RemotingCommand {
  if (end - start < 4) throw new RemotingProtocolError(`Frame of ${end - start} bytes has no header-info word`);
  const headerInfo = payload.readUInt32BE(start);
  const serializeType = headerInfo >>> 24;
  const headerLength = headerInfo & 0xffffff;
  const headerStart = start + 4;
  const headerEnd = headerStart + headerLength;
  if (headerEnd > end) {
    throw new RemotingProtocolError(`Header length ${headerLength} exceeds the frame (${end - start - 4} bytes)`);
  }
  const body = headerEnd < end ? payload.subarray(headerEnd, end) : null;
  if (serializeType === SerializeType.JSON) return decodeJsonHeader(payload, headerStart, headerEnd, body);
  if (serializeType === SerializeType.ROCKETMQ) return decodeBinaryHeader(payload, headerStart, headerEnd, body);
  throw new RemotingProtocolError(`Unknown header serialize type ${serializeType}`);
}

/** Decodes one whole frame, length prefix included. Throws {@link RemotingProtocolError} if it is not exactly one. */
export function decodeFrame(frame: Buffer): RemotingCommand {
  if (frame.length < 4) throw new RemotingProtocolError('Frame shorter than its length prefix');
  const length = frame.readInt32BE(0);
  if (length !== frame.length - 4) {
    throw new RemotingProtocolError(`Frame length prefix says ${length} bytes, ${frame.length - 4} follow`);
  }
  return decodeFramePayload(frame, 4, frame.length);
}
