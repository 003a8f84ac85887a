/**
 * Scripted faults for the embedded NameServer and Broker: wrong response codes, delays, swallowed responses,
 * closed connections, garbage bytes and paused reading. Tests script them, the request handler consults them.
 */

/** Which requests a fault applies to. */
export interface FaultScope {
  /** Only requests with this request code (default: every request). */
  requestCode?: number;
  /**
   * How many matching requests the fault applies to before it removes itself.
   * @defaultValue `Infinity` (until removed or cleared)
   */
  times?: number;
}

/** Options of {@link FaultInjector.respondWith}. */
export interface RespondWithOptions extends FaultScope {
  /** Remark of the injected response. @defaultValue `null` */
  remark?: string | null;
  /**
   * Also answer matching oneway requests (as 4.9 brokers do with SYSTEM_BUSY); otherwise they are dropped unanswered.
   * @defaultValue `false`
   */
  answerOneway?: boolean;
}

/** Options of {@link FaultInjector.writeGarbage}. */
export interface WriteGarbageOptions extends FaultScope {
  /** Bytes written instead of the response. @defaultValue a frame prefix announcing 0xFFFFFFF0 bytes, then junk */
  bytes?: Buffer;
}

/** A scripted fault; `remove()` takes it out before it is used up. */
export interface FaultHandle {
  /** Matching requests it still applies to. */
  readonly remaining: number;
  /** Matching requests it has been applied to. */
  readonly applied: number;
  /** Takes the fault out of the script now (a no-op once it is used up). */
  remove(): void;
}

/** What to do with one request, as decided by {@link FaultInjector.decide}. @internal */
export type FaultAction =
  | { kind: 'respond'; code: number; remark: string | null; answerOneway: boolean }
  | { kind: 'swallow' }
  | { kind: 'close' }
  | { kind: 'garbage'; bytes: Buffer };

/** @internal */
export interface FaultDecision {
  readonly delayMillis: number;
  readonly action: FaultAction | null;
}

/** The decision while no fault is scripted (nearly always): one object for every request. */
const NO_FAULT: FaultDecision = Object.freeze({ delayMillis: 0, action: null });

interface Rule {
  kind: 'respond' | 'swallow' | 'close' | 'garbage' | 'delay';
  requestCode: number | undefined;
  remaining: number;
  applied: number;
  /** Matching requests still to let through before the rule applies (close-after-N). */
  skip: number;
  action: FaultAction | null;
  delayMillis: number;
}

/** Default garbage: a length prefix no peer accepts (≈4 GiB), then a few junk bytes. */
const DEFAULT_GARBAGE = Buffer.from([0xff, 0xff, 0xff, 0xf0, 0xde, 0xad, 0xbe, 0xef, 0x00, 0x01]);

/**
 * The fault script of one server (`broker.faults`, `nameServer.faults`). Faults apply to requests received after
 * they were scripted; several can be active at once (the first matching response fault wins; a delay combines with
 * it).
 *
 * @example
 * ```ts
 * broker.faults.respondWith(ResponseCode.SYSTEM_BUSY, { times: 1, requestCode: RequestCode.SEND_MESSAGE_V2 });
 * broker.faults.delay(200);
 * broker.faults.clear();
 * ```
 */
export class FaultInjector {
  private rules: Rule[] = [];
  private pausedPromise: Promise<void> | null = null;
  private resumeReading: (() => void) | null = null;
  private readonly pauseListeners = new Set<(paused: boolean) => void>();

  /** Answers matching requests with `code` (and `remark`) instead of processing them. */
  respondWith(code: number, options: RespondWithOptions = {}): FaultHandle {
    return this.add('respond', options, {
      action: { kind: 'respond', code, remark: options.remark ?? null, answerOneway: options.answerOneway ?? false },
    });
  }

  /** Delays the processing and response of matching requests by `millis`. */
  delay(millis: number, options: FaultScope = {}): FaultHandle {
    return this.add('delay', options, { delayMillis: Math.max(0, millis) });
  }

  /** Never answers matching requests (they are not processed either). */
  swallow(options: FaultScope = {}): FaultHandle {
    return this.add('swallow', options, { action: { kind: 'swallow' } });
  }

  /**
   * Serves the next `afterRequests` matching requests normally, then closes the connection of the next one instead
   * of answering it. Applies once unless `times` says otherwise.
   */
  closeConnectionAfter(afterRequests = 0, options: FaultScope = {}): FaultHandle {
    return this.add('close', { times: 1, ...options }, { action: { kind: 'close' }, skip: Math.max(0, afterRequests) });
  }

  /** Writes garbage bytes instead of the response of matching requests (peers then close the connection). */
  writeGarbage(options: WriteGarbageOptions = {}): FaultHandle {
    return this.add('garbage', options, { action: { kind: 'garbage', bytes: options.bytes ?? DEFAULT_GARBAGE } });
  }

  /**
   * Stops reading from every connection (current and new) until {@link resume}, so unread requests pile up in the
   * socket buffers and TCP backpressure reaches the sender.
   */
  pause(): void {
    if (this.pausedPromise !== null) return;
    this.pausedPromise = new Promise((resolve) => {
      this.resumeReading = resolve;
    });
    for (const listener of this.pauseListeners) listener(true);
  }

  /** Resumes reading after {@link pause}. */
  resume(): void {
    const resume = this.resumeReading;
    if (resume === null) return;
    this.pausedPromise = null;
    this.resumeReading = null;
    for (const listener of this.pauseListeners) listener(false);
    resume();
  }

  /** Whether reading is paused. */
  get paused(): boolean {
    return this.pausedPromise !== null;
  }

  /** Removes every fault and resumes reading. */
  clear(): void {
    this.rules = [];
    this.resume();
  }

  /** Number of scripted faults still active. */
  get activeCount(): number {
    return this.rules.length;
  }

  /** @internal Resolves when reading may continue (immediately if not paused). */
  whenReadable(): Promise<void> | null {
    return this.pausedPromise;
  }

  /** @internal Notified on pause (`true`) and resume (`false`). */
  onPauseChange(listener: (paused: boolean) => void): () => void {
    this.pauseListeners.add(listener);
    return () => this.pauseListeners.delete(listener);
  }

  /** @internal Decides (and counts) what happens to one request. */
  decide(requestCode: number): FaultDecision {
    if (this.rules.length === 0) return NO_FAULT;
    let delayMillis = 0;
    let action: FaultAction | null = null;
    let delayTaken = false;
    for (const rule of this.rules) {
      if (rule.requestCode !== undefined && rule.requestCode !== requestCode) continue;
      if (rule.kind === 'delay') {
        if (delayTaken) continue;
        delayTaken = true;
        delayMillis = rule.delayMillis;
        this.use(rule);
        continue;
      }
      if (action !== null) continue;
      if (rule.skip > 0) {
        rule.skip--;
        continue;
      }
      action = rule.action;
      this.use(rule);
    }
    if (this.rules.some((rule) => rule.remaining <= 0)) this.rules = this.rules.filter((rule) => rule.remaining > 0);
    return { delayMillis, action };
  }

  private use(rule: Rule): void {
    rule.remaining--;
    rule.applied++;
  }

  private add(
    kind: Rule['kind'],
    scope: FaultScope,
    extra: { action?: FaultAction; delayMillis?: number; skip?: number },
  ): FaultHandle {
    const rule: Rule = {
      kind,
      requestCode: scope.requestCode,
      remaining: scope.times ?? Infinity,
      applied: 0,
      skip: extra.skip ?? 0,
      action: extra.action ?? null,
      delayMillis: extra.delayMillis ?? 0,
    };
    this.rules.push(rule);
    return {
      get remaining() {
        return Math.max(0, rule.remaining);
      },
      get applied() {
        return rule.applied;
      },
      remove: () => {
        this.rules = this.rules.filter((candidate) => candidate !== rule);
      },
    };
  }
}
