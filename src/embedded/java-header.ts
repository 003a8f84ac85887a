/**
 * Reading request headers (`extFields`) the way the Java broker does: `Integer.parseInt`, `Long.parseLong`,
 * `Boolean.parseBoolean`, with Java's exceptions mapped to the SYSTEM_ERROR answers they cause; and answering the way a
 * Java server of a given version does.
 * @internal
 */
import { createResponse, SerializeType, type RemotingCommand } from '../remoting/remoting-command.js';

/**
 * A Java exception thrown while processing a request. The Java remoting layer answers it with SYSTEM_ERROR and the
 * exception's `toString()` as remark (plus a stack frame we cannot reproduce), in JSON, without extFields.
 */
export class JavaException extends Error {
  constructor(readonly javaDescription: string) {
    super(javaDescription);
  }
}

/** `java.lang.NullPointerException`: a required header field was missing. */
export function nullPointer(): JavaException {
  return new JavaException('java.lang.NullPointerException');
}

function numberFormat(text: string): JavaException {
  return new JavaException(`java.lang.NumberFormatException: For input string: "${text}"`);
}

const JAVA_INTEGER = /^[+-]?\d+$/;

/**
 * The value of an optional sign and 1 to 15 ASCII digits (exact in a double), `-0` for `"-0"` as `Number` gives;
 * `NaN` for any other text.
 */
function shortDecimal(text: string): number {
  const length = text.length;
  if (length === 0 || length > 16) return NaN;
  const first = text.charCodeAt(0);
  const signed = first === 0x2d || first === 0x2b;
  let i = signed ? 1 : 0;
  if (i === length || length - i > 15) return NaN;
  let value = 0;
  for (; i < length; i++) {
    const digit = text.charCodeAt(i) - 0x30;
    if (digit < 0 || digit > 9) return NaN;
    value = value * 10 + digit;
  }
  return first === 0x2d ? -value : value;
}

/** Java `Integer.parseInt`; throws {@link JavaException} like Java. */
export function parseJavaInt(text: string): number {
  // The header fields producers send: a few digits, read without a regular expression.
  const short = shortDecimal(text);
  if (short === short && short >= -2147483648 && short <= 2147483647) return short;
  if (!JAVA_INTEGER.test(text)) throw numberFormat(text);
  const value = Number(text);
  if (value > 2147483647 || value < -2147483648) throw numberFormat(text);
  return value;
}

/** Java `Long.parseLong`; throws {@link JavaException} like Java. Values beyond 2^53 lose precision (unused here). */
export function parseJavaLong(text: string): number {
  const short = shortDecimal(text);
  if (short === short) return short + 0; // + 0: "-0" is 0, as Long.parseLong
  if (!JAVA_INTEGER.test(text)) throw numberFormat(text);
  // Up to 15 digits (and a sign) a double holds the value exactly and it is far inside the long range.
  if (text.length <= 15) return Number(text) + 0; // + 0: "-0" is 0, as Long.parseLong
  const value = BigInt(text);
  if (value > 9223372036854775807n || value < -9223372036854775808n) throw numberFormat(text);
  return Number(value);
}

/** Java `Boolean.parseBoolean`: only a case-insensitive `"true"` is true. */
export function parseJavaBoolean(text: string | undefined): boolean {
  return text !== undefined && text.toLowerCase() === 'true';
}

/** Options of {@link javaServerResponse}. @internal */
export interface JavaServerResponseOptions {
  remark?: string | null;
  extFields?: Record<string, string> | null;
  body?: Buffer | null;
  serializeType?: 0 | 1;
}

/**
 * A response as an Apache server of `version` writes it: 4.9 answers in the request's serialization on the processor
 * path, 5.x always in JSON; `version` is the server's own MQVersion ordinal.
 * @internal
 */
export function javaServerResponse(
  request: RemotingCommand,
  code: number,
  version: '4.9' | '5.x',
  versionOrdinal: number,
  options: JavaServerResponseOptions = {},
): RemotingCommand {
  return createResponse(request, code, {
    remark: options.remark ?? null,
    extFields: options.extFields ?? null,
    body: options.body ?? null,
    serializeType: options.serializeType ?? (version === '5.x' ? SerializeType.JSON : request.serializeType),
    version: versionOrdinal,
  });
}
