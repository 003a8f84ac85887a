/**
 * Per-server request accounting for tests and benchmarks: how many requests of each code arrived, how many were in
 * flight at most, and (when enabled) a log of every request.
 */
import { SerializeType, type SerializeTypeValue } from '../remoting/remoting-command.js';

/** One entry of the request log. */
export interface RequestLogEntry {
  /** Request code. */
  code: number;
  /** The request's opaque (its id on the connection). */
  opaque: number;
  /** Whether the client sent it oneway (no response expected). */
  oneway: boolean;
  /** The request's `version` (the client's MQVersion ordinal). */
  version: number;
  /** The request's header serialization: `0` JSON, `1` ROCKETMQ. */
  serializeType: SerializeTypeValue;
  /** `ip:port` of the client. */
  remoteAddress: string;
  /** `Date.now()` when it arrived. */
  receivedAt: number;
  /** Requests in flight when it arrived, itself included. */
  inFlight: number;
  /** Response code sent, `null` if none was sent (oneway, swallowed, closed) or it is still in flight. */
  responseCode: number | null;
  /** Topic of a send (`b` / `topic`), or the topic looked up; `null` otherwise. */
  topic: string | null;
}

/** Codes of message sends: SEND_MESSAGE, SEND_MESSAGE_V2, SEND_BATCH_MESSAGE, SEND_REPLY_MESSAGE(_V2). */
const SEND_CODES: ReadonlySet<number> = new Set([10, 310, 320, 324, 325]);

/** Request counters of one embedded server. */
export class RequestStats {
  private readonly counts = new Map<number, number>();
  private current = 0;
  private max = 0;
  private currentSends = 0;
  private maxSends = 0;
  private total = 0;
  private readonly log: RequestLogEntry[] = [];
  private logEnabled: boolean;
  private readonly logLimit: number;

  /**
   * @param recordRequests - keep a log of requests (bounded by `logLimit`, oldest dropped).
   * @param logLimit - entries kept in the log.
   */
  constructor(recordRequests = false, logLimit = 100_000) {
    this.logEnabled = recordRequests;
    this.logLimit = logLimit;
  }

  /** Requests received per request code. */
  get requestCounts(): ReadonlyMap<number, number> {
    return this.counts;
  }

  /** Requests received with a code. */
  count(code: number): number {
    return this.counts.get(code) ?? 0;
  }

  /** Requests received in total. */
  get totalRequests(): number {
    return this.total;
  }

  /** Requests received but not yet answered or dropped. */
  get inFlight(): number {
    return this.current;
  }

  /** Highest {@link inFlight} seen since the last {@link reset}. */
  get maxInFlight(): number {
    return this.max;
  }

  /**
   * Message sends (codes 10, 310, 320, 324, 325) received but not yet answered or dropped. Unlike {@link inFlight}
   * it ignores heartbeats and other housekeeping requests, so it measures a producer's send window.
   */
  get sendsInFlight(): number {
    return this.currentSends;
  }

  /** Highest {@link sendsInFlight} seen since the last {@link reset}. */
  get maxSendsInFlight(): number {
    return this.maxSends;
  }

  /** The request log (empty unless recording is on). */
  get requests(): readonly RequestLogEntry[] {
    return this.log;
  }

  /** Turns the request log on or off. */
  set recordRequests(enabled: boolean) {
    this.logEnabled = enabled;
  }

  /** Whether the request log is on. */
  get recordRequests(): boolean {
    return this.logEnabled;
  }

  /** Zeroes every counter and empties the log. */
  reset(): void {
    this.counts.clear();
    this.max = this.current;
    this.maxSends = this.currentSends;
    this.total = 0;
    this.log.length = 0;
  }

  /** @internal A request arrived; returns its log entry (or `null` when not recording). */
  begin(
    code: number,
    opaque: number,
    oneway: boolean,
    version: number,
    remoteAddress: string,
    topic: string | null,
    serializeType: SerializeTypeValue = SerializeType.JSON,
  ): RequestLogEntry | null {
    this.counts.set(code, (this.counts.get(code) ?? 0) + 1);
    this.total++;
    this.current++;
    if (this.current > this.max) this.max = this.current;
    if (SEND_CODES.has(code) && ++this.currentSends > this.maxSends) this.maxSends = this.currentSends;
    if (!this.logEnabled) return null;
    const entry: RequestLogEntry = {
      code,
      opaque,
      oneway,
      version,
      serializeType,
      remoteAddress,
      receivedAt: Date.now(),
      inFlight: this.current,
      responseCode: null,
      topic,
    };
    if (this.log.length >= this.logLimit) this.log.shift();
    this.log.push(entry);
    return entry;
  }

  /** @internal The request with `code` was answered (or dropped: `responseCode` `null`). */
  end(code: number, entry: RequestLogEntry | null, responseCode: number | null): void {
    this.current--;
    if (SEND_CODES.has(code)) this.currentSends--;
    if (entry !== null) entry.responseCode = responseCode;
  }

  /** A plain snapshot (for IPC and logging). */
  snapshot(): RequestStatsSnapshot {
    return {
      requestCounts: Object.fromEntries(this.counts),
      totalRequests: this.total,
      inFlight: this.current,
      maxInFlight: this.max,
      sendsInFlight: this.currentSends,
      maxSendsInFlight: this.maxSends,
    };
  }
}

/** Serializable view of {@link RequestStats}. */
export interface RequestStatsSnapshot {
  /** Requests received, by request code. */
  requestCounts: Record<number, number>;
  /** Requests received, all codes. */
  totalRequests: number;
  /** Requests being handled now. */
  inFlight: number;
  /** Most requests in flight at once so far. */
  maxInFlight: number;
  /** Message sends (SEND_MESSAGE, V2, batch) being handled now. */
  sendsInFlight: number;
  /** Most message sends in flight at once so far. */
  maxSendsInFlight: number;
}
