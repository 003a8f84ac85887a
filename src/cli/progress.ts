/**
 * Progress of a long publish: a cli-progress bar with rate and failures on a terminal, plain periodic lines
 * otherwise (logs and pipes do not want carriage returns), and the latency percentiles of the final summary.
 */
import { Presets, SingleBar } from 'cli-progress';

/** Where progress goes. */
export interface ProgressOptions {
  /** The stream the bar or the periodic lines are written to (normally stderr). */
  stream: NodeJS.WritableStream & { isTTY?: boolean };
  /** Messages expected, when known (a file); `null` for a pipe. */
  total: number | null;
  /** Period of the plain lines when not a TTY, ms. @defaultValue `1000` */
  intervalMillis?: number;
}

/** Counts of a finished publish. */
export interface PublishSummary {
  sent: number;
  failed: number;
  elapsedMillis: number;
  /** Delivered messages per second over the whole run. */
  messagesPerSecond: number;
  /** Median send latency, ms (`null` when nothing was sent). */
  p50Millis: number | null;
  /** 99th percentile send latency, ms. */
  p99Millis: number | null;
}

const MAX_TRACKED_MILLIS = 120_000;

/** Counts outcomes, draws progress and computes the summary (latencies kept in a fixed 1 ms histogram). */
export class PublishProgress {
  private sentCount = 0;
  private failedCount = 0;
  private readonly histogram = new Uint32Array(MAX_TRACKED_MILLIS + 1);
  private readonly startedAt = Date.now();
  private readonly bar: SingleBar | null;
  private readonly timer: NodeJS.Timeout | null;

  constructor(private readonly options: ProgressOptions) {
    if (options.stream.isTTY === true) {
      const format =
        options.total === null
          ? 'publish {value} msgs | {rate} msg/s | failed {failed} | {duration_formatted}'
          : 'publish |{bar}| {percentage}% | {value}/{total} msgs | {rate} msg/s | failed {failed} | ETA {eta_formatted}';
      this.bar = new SingleBar({ format, stream: options.stream, hideCursor: true, clearOnComplete: false }, Presets.shades_classic);
      this.bar.start(options.total ?? 0, 0, { rate: 0, failed: 0 });
      this.timer = null;
    } else {
      this.bar = null;
      this.timer = setInterval(() => this.options.stream.write(`${this.line()}\n`), options.intervalMillis ?? 1000);
      this.timer.unref();
    }
  }

  /** Messages delivered so far. */
  get sent(): number {
    return this.sentCount;
  }

  /** Messages failed so far. */
  get failed(): number {
    return this.failedCount;
  }

  /** Records one outcome. */
  record(ok: boolean, latencyMillis: number): void {
    if (ok) {
      this.sentCount += 1;
      this.histogram[Math.min(MAX_TRACKED_MILLIS, Math.max(0, Math.round(latencyMillis)))]! += 1;
    } else {
      this.failedCount += 1;
    }
    this.bar?.update(this.sentCount + this.failedCount, { rate: this.rate(), failed: this.failedCount });
  }

  /** Writes a line above the bar (or as is without one). */
  log(line: string): void {
    if (this.bar === null) this.options.stream.write(`${line}\n`);
    else {
      // Erase the bar line, write, and let the bar redraw itself below.
      this.options.stream.write(`\r\x1b[K${line}\n`);
      this.bar.updateETA();
      this.bar.render();
    }
  }

  /** Stops the bar or the periodic lines and returns the summary. */
  stop(): PublishSummary {
    if (this.timer !== null) clearInterval(this.timer);
    this.bar?.update(this.sentCount + this.failedCount, { rate: this.rate(), failed: this.failedCount });
    this.bar?.stop();
    const elapsedMillis = Date.now() - this.startedAt;
    return {
      sent: this.sentCount,
      failed: this.failedCount,
      elapsedMillis,
      messagesPerSecond: elapsedMillis > 0 ? Math.round((this.sentCount * 1000) / elapsedMillis) : this.sentCount,
      p50Millis: this.percentile(0.5),
      p99Millis: this.percentile(0.99),
    };
  }

  private rate(): number {
    const elapsed = Date.now() - this.startedAt;
    return elapsed > 0 ? Math.round((this.sentCount * 1000) / elapsed) : 0;
  }

  private line(): string {
    return `published ${this.sentCount} ok, ${this.failedCount} failed, ${this.rate()} msg/s`;
  }

  private percentile(p: number): number | null {
    if (this.sentCount === 0) return null;
    const rank = Math.max(1, Math.ceil(p * this.sentCount));
    let seen = 0;
    for (let millis = 0; millis < this.histogram.length; millis++) {
      seen += this.histogram[millis]!;
      if (seen >= rank) return millis;
    }
    return MAX_TRACKED_MILLIS;
  }
}

/** The summary as printed by the CLI: `summary: sent=… failed=… rate=… msgs/s p50=… ms p99=… ms elapsed=… s`. */
export function formatSummary(summary: PublishSummary): string {
  const ms = (value: number | null): string => (value === null ? '-' : `${value}ms`);
  return (
    `summary: sent=${summary.sent} failed=${summary.failed} rate=${summary.messagesPerSecond} msgs/s ` +
    `p50=${ms(summary.p50Millis)} p99=${ms(summary.p99Millis)} elapsed=${(summary.elapsedMillis / 1000).toFixed(2)}s`
  );
}
