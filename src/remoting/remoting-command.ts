/**
 * The RocketMQ `RemotingCommand`: the one message shape of the remoting protocol, for requests and responses in
 * both directions.
 */

/** Header serialization, carried in the high byte of the frame's header-info word. */
export const SerializeType = {
  /** fastjson-compatible JSON text (the Java default). */
  JSON: 0,
  /** The compact ROCKETMQ binary header. */
  ROCKETMQ: 1,
} as const;

/** `0` (JSON) or `1` (ROCKETMQ). */
export type SerializeTypeValue = (typeof SerializeType)[keyof typeof SerializeType];

/** Bit 0 of `flag`: set on responses. */
export const RPC_TYPE_RESPONSE = 0x1;
/** Bit 1 of `flag`: set on oneway requests (the receiver sends no response). */
export const RPC_ONEWAY = 0x2;

/** Language names and their byte codes on the ROCKETMQ wire (Java `LanguageCode`). */
export const LanguageCode = {
  JAVA: 0,
  CPP: 1,
  DOTNET: 2,
  PYTHON: 3,
  DELPHI: 4,
  ERLANG: 5,
  RUBY: 6,
  OTHER: 7,
  HTTP: 8,
  GO: 9,
  PHP: 10,
  OMS: 11,
  RUST: 12,
  NODE_JS: 13,
} as const;

const languageByCode: readonly string[] = Object.keys(LanguageCode);

/** Byte code of a language name; unknown names map to OTHER (7). */
export function languageToCode(language: string): number {
  return (LanguageCode as Record<string, number>)[language] ?? LanguageCode.OTHER;
}

/** Language name of a byte code; unknown codes map to `'OTHER'`. */
export function languageFromCode(code: number): string {
  return languageByCode[code] ?? 'OTHER';
}

/**
 * Version ordinal this client sends: 409 (`V4_9_8`), as the Java 4.9.8 client does. It is ≥ 401, so name servers
 * from 4.9.4 on answer route look-ups with standard JSON, and ≤ 441, so 5.2+ servers never answer GO_AWAY to it.
 */
export const CLIENT_VERSION = 409;

/** One remoting command: a request or a response. */
export interface RemotingCommand {
  /** Request code in requests, response code in responses. */
  code: number;
  /** Sender's language name, e.g. `'JAVA'`. */
  language: string;
  /** Sender's `MQVersion` ordinal. */
  version: number;
  /** Request id; a response echoes its request's opaque. */
  opaque: number;
  /** Bit 0: response; bit 1: oneway. */
  flag: number;
  /** Error text in responses, free text in requests; `null` when absent. */
  remark: string | null;
  /** The custom header, flattened to strings; `null` when absent. */
  extFields: Record<string, string> | null;
  /** How the header is (or will be) serialized. */
  serializeType: SerializeTypeValue;
  /** Body bytes; `null` when absent. */
  body: Buffer | null;
  /**
   * One `extFields` value handed over already JSON-encoded around a varying middle, so that the JSON header writer
   * copies the constant bytes instead of escaping the value's text again for every request. Used only while
   * `extFields[key]` equals its `text`; ignored by the ROCKETMQ header writer. Absent on most commands.
   */
  jsonFieldPieces?: JsonFieldPieces | null;
}

/**
 * An `extFields` value as `before + middleStart + middle + after` with the JSON string content (escapes written, no
 * quotes, UTF-8) of `before` and `after` already encoded, and `middleStart` as its bytes: see
 * {@link RemotingCommand.jsonFieldPieces}. The JSON header writer copies `beforeJson` and `middleStartAscii`, writes
 * `middle` when it is non-empty printable ASCII needing no escape (otherwise the whole `text` as usual), then copies
 * `afterJson`: the same bytes as encoding `text` itself.
 */
export interface JsonFieldPieces {
  /** The `extFields` key whose value this is. */
  readonly key: string;
  /** The value: exactly `before + middleStart + middle + after`. */
  readonly text: string;
  /** UTF-8 of `JSON.stringify(before)` without its quotes. */
  readonly beforeJson: Uint8Array;
  /**
   * The start of the varying part (of a message's unique id: the digits the ids of one millisecond share) as ASCII
   * bytes, each printable and none a `"` or `\` (JSON writes them as they are); may be empty.
   */
  readonly middleStartAscii: Uint8Array;
  /** The rest of the varying part (the id's counter digits, or the whole id), written per character. */
  readonly middle: string;
  /** UTF-8 of `JSON.stringify(after)` without its quotes. */
  readonly afterJson: Uint8Array;
}

let opaqueCounter = 0;

/**
 * Next request id from the per-process counter: an int32 that wraps from 2^31−1 to −2^31, as Java's
 * `AtomicInteger` does. Unique among the requests in flight on a connection for any realistic number in flight.
 */
export function nextOpaque(): number {
  const opaque = opaqueCounter;
  opaqueCounter = (opaqueCounter + 1) | 0;
  return opaque;
}

/** Options of {@link createRequest}. */
export interface CreateRequestOptions {
  /** Body bytes. @defaultValue `null` */
  body?: Buffer | null;
  /** Remark text. @defaultValue `null` */
  remark?: string | null;
  /** Request id. @defaultValue the next one ({@link nextOpaque}) */
  opaque?: number;
  /** Set the oneway bit (the receiver sends no response). @defaultValue `false` */
  oneway?: boolean;
  /** Header serialization. @defaultValue `SerializeType.JSON` */
  serializeType?: SerializeTypeValue;
  /** Language name sent. @defaultValue `'JAVA'` */
  language?: string;
  /** `MQVersion` ordinal sent. @defaultValue {@link CLIENT_VERSION} */
  version?: number;
  /** {@link RemotingCommand.jsonFieldPieces}. @defaultValue absent */
  jsonFieldPieces?: JsonFieldPieces | null;
}

/** A new request command with the next opaque, language JAVA and version {@link CLIENT_VERSION}. */
export function createRequest(
  code: number,
  extFields: Record<string, string> | null = null,
  options: CreateRequestOptions = {},
): RemotingCommand {
  const pieces = options.jsonFieldPieces;
  if (pieces != null) {
    // Its own literal, so that the field is part of the object from the start (the send requests' one shape) and
    // every other command keeps the plain shape.
    return {
      code,
      language: options.language ?? 'JAVA',
      version: options.version ?? CLIENT_VERSION,
      opaque: options.opaque ?? nextOpaque(),
      flag: options.oneway ? RPC_ONEWAY : 0,
      remark: options.remark ?? null,
      extFields,
      serializeType: options.serializeType ?? SerializeType.JSON,
      body: options.body ?? null,
      jsonFieldPieces: pieces,
    };
  }
  return {
    code,
    language: options.language ?? 'JAVA',
    version: options.version ?? CLIENT_VERSION,
    opaque: options.opaque ?? nextOpaque(),
    flag: options.oneway ? RPC_ONEWAY : 0,
    remark: options.remark ?? null,
    extFields,
    serializeType: options.serializeType ?? SerializeType.JSON,
    body: options.body ?? null,
  };
}

/** Options of {@link createResponse}. */
export interface CreateResponseOptions {
  /** Remark text (the error text of an error response). @defaultValue `null` */
  remark?: string | null;
  /** The response's custom header. @defaultValue `null` */
  extFields?: Record<string, string> | null;
  /** Body bytes. @defaultValue `null` */
  body?: Buffer | null;
  /** Header serialization. @defaultValue the request's (the 4.9 broker behaviour) */
  serializeType?: SerializeTypeValue;
  /** Language name sent. @defaultValue `'JAVA'` */
  language?: string;
  /** `MQVersion` ordinal sent. @defaultValue {@link CLIENT_VERSION} */
  version?: number;
}

/** A response to `request`: same opaque, the response bit set. */
export function createResponse(
  request: Pick<RemotingCommand, 'opaque' | 'serializeType'>,
  code: number,
  options: CreateResponseOptions = {},
): RemotingCommand {
  return {
    code,
    language: options.language ?? 'JAVA',
    version: options.version ?? CLIENT_VERSION,
    opaque: request.opaque,
    flag: RPC_TYPE_RESPONSE,
    remark: options.remark ?? null,
    extFields: options.extFields ?? null,
    serializeType: options.serializeType ?? request.serializeType,
    body: options.body ?? null,
  };
}

/** Whether the command is a response (flag bit 0). */
export function isResponse(command: Pick<RemotingCommand, 'flag'>): boolean {
  return (command.flag & RPC_TYPE_RESPONSE) !== 0;
}

/** Whether the command is a oneway request (flag bit 1). */
export function isOneway(command: Pick<RemotingCommand, 'flag'>): boolean {
  return (command.flag & RPC_ONEWAY) !== 0;
}
