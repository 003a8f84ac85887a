/**
 * Per-server request accounting for tests and benchmarks: how many requests of each code arrived, how many were in
 * flight at most, and (when enabled) a log of every request.
 */

/** One entry of the request log. */
export interface RequestLogEntry {
  /** Request code. */
  code: number;
  opaque: number;
  oneway: boolean;
  /** The request's `version` (the client's MQVersion ordinal). */
  version: number;
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

/** Request counters of one embedded server. */
export class RequestStats {
  private readonly counts = new Map<number, number>();
  private current = 0;
  private max = 0;
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

  /** The request log (empty unless recording is on). */
  get requests(): readonly RequestLogEntry[] {
    return this.log;
  }

  /** Turns the request log on or off. */
  set recordRequests(enabled: boolean) {
    this.logEnabled = enabled;
  }

  get recordRequests(): boolean {
    return this.logEnabled;
  }

  /** Zeroes every counter and empties the log. */
  reset(): void {
    this.counts.clear();
    this.max = this.current;
    this.total = 0;
    this.log.length = 0;
  }

  /** @internal A request arrived; returns its log entry (or `null` when not recording). */
  begin(code: number, opaque: number, oneway: boolean, version: number, remoteAddress: string, topic: string | null): RequestLogEntry | null {
    this.counts.set(code, (this.counts.get(code) ?? 0) + 1);
    this.total++;
    this.current++;
    if (this.current > this.max) this.max = this.current;
    if (!this.logEnabled) return null;
    const entry: RequestLogEntry = {
      code,
      opaque,
      oneway,
      version,
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

  /** @internal The request was answered (or dropped: `responseCode` `null`). */
  end(entry: RequestLogEntry | null, responseCode: number | null): void {
    this.current--;
    if (entry !== null) entry.responseCode = responseCode;
  }

  /** A plain snapshot (for IPC and logging). */
  snapshot(): RequestStatsSnapshot {
    return {
      requestCounts: Object.fromEntries(this.counts),
      totalRequests: this.total,
      inFlight: this.current,
      maxInFlight: this.max,
    };
  }
}

/** Serializable view of {@link RequestStats}. */
export interface RequestStatsSnapshot {
  requestCounts: Record<number, number>;
  totalRequests: number;
  inFlight: number;
  maxInFlight: number;
}
