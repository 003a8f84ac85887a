/**
 * Batches message-trace records and sends them to the trace topic, as the Java client's `AsyncTraceDispatcher`: a
 * bounded queue of records (a full queue drops the record and counts it), drained every `pollingMillis` into a
 * segment that is sent once its text reaches `maxMessageSize - 10 000` characters or its first record is
 * `waitTimeThresholdMillis` old. Sends are fire-and-forget (bounded too); nothing here can block or fail a user send.
 * @internal
 */
import type { Logger } from '../logger.js';
import type { PubTraceRecord, TraceTransfer } from './trace-data-encoder.js';
import { encodePubRecord } from './trace-data-encoder.js';

/** The Java dispatcher's constants (4.9.8). */
export const TraceDispatcherDefaults = Object.freeze({
  /** Bound of the record queue (Java `traceContextQueue`). */
  queueSize: 1024,
  /** Bound of the trace sends not yet settled (Java `appenderQueue`, `queueSize` = 2048). */
  maxPendingSends: 2048,
  /** Largest trace message (Java trace producer `maxMessageSize`); a segment is sent at this minus 10 000. */
  maxMessageSize: 128_000,
  /** How often the queue is drained (Java `pollingTimeMil`). */
  pollingMillis: 100,
  /** Age of a segment's first record that sends it (Java `waitTimeThresholdMil`). */
  waitTimeThresholdMillis: 500,
});

/** Sends one trace message (body text, keys); rejections are counted, never thrown. @internal */
export type TraceSend = (topic: string, keys: readonly string[], body: string) => Promise<unknown>;

/** Options of an {@link AsyncTraceDispatcher}. @internal */
export interface AsyncTraceDispatcherOptions {
  readonly traceTopic: string;
  readonly send: TraceSend;
  readonly logger?: Logger | null;
  readonly queueSize?: number;
  readonly maxPendingSends?: number;
  readonly maxMessageSize?: number;
  readonly pollingMillis?: number;
  readonly waitTimeThresholdMillis?: number;
}

/** Counters of a dispatcher (in `producer.metrics()`). */
export interface TraceDispatcherStats {
  /** Records accepted into the queue. */
  readonly appended: number;
  /** Records dropped because the queue (or the pending sends) was full. */
  readonly discarded: number;
  /** Trace messages sent successfully. */
  readonly messagesSent: number;
  /** Trace messages whose send failed. */
  readonly sendFailures: number;
  /** Records waiting in the queue or a segment. */
  readonly queued: number;
}

/** @internal */
export class AsyncTraceDispatcher {
  private readonly o: Required<Omit<AsyncTraceDispatcherOptions, 'logger'>> & { logger: Logger | null };
  private queue: PubTraceRecord[] = [];
  private segment: TraceTransfer[] = [];
  private segmentChars = 0;
  private segmentFirstAt = 0;
  private pending = new Set<Promise<unknown>>();
  private timer: NodeJS.Timeout | null = null;
  private appended = 0;
  private discarded = 0;
  private messagesSent = 0;
  private sendFailures = 0;

  constructor(options: AsyncTraceDispatcherOptions) {
    this.o = {
      traceTopic: options.traceTopic,
      send: options.send,
      logger: options.logger ?? null,
      queueSize: options.queueSize ?? TraceDispatcherDefaults.queueSize,
      maxPendingSends: options.maxPendingSends ?? TraceDispatcherDefaults.maxPendingSends,
      maxMessageSize: options.maxMessageSize ?? TraceDispatcherDefaults.maxMessageSize,
      pollingMillis: options.pollingMillis ?? TraceDispatcherDefaults.pollingMillis,
      waitTimeThresholdMillis: options.waitTimeThresholdMillis ?? TraceDispatcherDefaults.waitTimeThresholdMillis,
    };
  }

  /** The topic records go to. */
  get traceTopic(): string {
    return this.o.traceTopic;
  }

  /** Starts the polling timer (unref'd: it never keeps the process alive). */
  start(): void {
    if (this.timer !== null) return;
    this.timer = setInterval(() => this.poll(), this.o.pollingMillis);
    this.timer.unref();
  }

  /**
   * Queues a record. Never throws, never blocks.
   * @returns false when the queue is full (the record is dropped and counted)
   */
  append(record: PubTraceRecord): boolean {
    if (this.queue.length >= this.o.queueSize) {
      this.discarded++;
      this.o.logger?.warn({ discarded: this.discarded, traceTopic: this.o.traceTopic }, 'message trace queue full: record dropped');
      return false;
    }
    this.queue.push(record);
    this.appended++;
    return true;
  }

  /** Counters. */
  stats(): TraceDispatcherStats {
    return {
      appended: this.appended,
      discarded: this.discarded,
      messagesSent: this.messagesSent,
      sendFailures: this.sendFailures,
      queued: this.queue.length + this.segment.length,
    };
  }

  /** Sends everything queued now and waits (at most `waitMillis`) for the trace sends to settle. */
  async flush(waitMillis = 500): Promise<void> {
    this.drain();
    this.sendSegment();
    if (this.pending.size === 0) return;
    let timer: NodeJS.Timeout | undefined;
    await Promise.race([
      Promise.allSettled([...this.pending]),
      new Promise<void>((resolve) => {
        timer = setTimeout(resolve, waitMillis);
      }),
    ]);
    clearTimeout(timer);
  }

  /** Flushes, then stops the timer. */
  async shutdown(): Promise<void> {
    if (this.timer !== null) clearInterval(this.timer);
    this.timer = null;
    await this.flush();
  }

  private poll(): void {
    this.drain();
    if (this.segment.length > 0 && Date.now() - this.segmentFirstAt >= this.o.waitTimeThresholdMillis) this.sendSegment();
  }

  private drain(): void {
    const records = this.queue;
    if (records.length === 0) return;
    this.queue = [];
    const limit = this.o.maxMessageSize - 10_000;
    for (const record of records) {
      if (this.segment.length === 0) this.segmentFirstAt = Date.now();
      const transfer = encodePubRecord(record);
      this.segment.push(transfer);
      this.segmentChars += transfer.data.length;
      if (this.segmentChars >= limit) this.sendSegment();
    }
  }

  private sendSegment(): void {
    const transfers = this.segment;
    if (transfers.length === 0) return;
    this.segment = [];
    this.segmentChars = 0;
    this.segmentFirstAt = 0;
    if (this.pending.size >= this.o.maxPendingSends) {
      this.discarded += transfers.length;
      this.o.logger?.warn({ discarded: this.discarded, traceTopic: this.o.traceTopic }, 'message trace sends backed up: records dropped');
      return;
    }
    const keys = new Set<string>();
    let body = '';
    for (const transfer of transfers) {
      for (const key of transfer.keys) keys.add(key);
      body += transfer.data;
    }
    let sending: Promise<unknown>;
    try {
      sending = this.o.send(this.o.traceTopic, [...keys], body);
    } catch (error) {
      sending = Promise.reject(error);
    }
    const tracked = sending.then(
      () => {
        this.messagesSent++;
        this.o.logger?.debug({ traceTopic: this.o.traceTopic, records: transfers.length }, 'message trace sent');
      },
      (error: unknown) => {
        this.sendFailures++;
        this.o.logger?.warn({ traceTopic: this.o.traceTopic, records: transfers.length, err: error }, 'message trace send failed');
      },
    );
    this.pending.add(tracked);
    void tracked.finally(() => this.pending.delete(tracked));
  }
}
