/**
 * Scheduled delivery of the embedded broker: 4.x delay levels (ScheduleMessageService: the message waits under
 * `SCHEDULE_TOPIC_XXXX`, queue level − 1) and 5.x timers (TimerMessageStore: `TIMER_DELIVER_MS` / `TIMER_DELAY_MS`,
 * parked under `rmq_sys_wheel_timer`), re-put on their real topic and queue when due.
 * @internal
 */

/** The 4.x default `messageDelayLevel`. */
export const DEFAULT_MESSAGE_DELAY_LEVEL = '1s 5s 10s 30s 1m 2m 3m 4m 5m 6m 7m 8m 9m 10m 20m 30m 1h 2h';

/** Where delayed messages wait (Java `TopicValidator.RMQ_SYS_SCHEDULE_TOPIC`). */
export const SCHEDULE_TOPIC = 'SCHEDULE_TOPIC_XXXX';
/** Where 5.x timer messages wait (Java `TimerMessageStore.TIMER_TOPIC`). */
export const TIMER_TOPIC = 'rmq_sys_wheel_timer';
/** Longest 5.x timer delay (`timerMaxDelaySec`, 3 days). */
export const TIMER_MAX_DELAY_MILLIS = 3 * 24 * 3600 * 1000;

const UNIT_MILLIS: Readonly<Record<string, number>> = { ms: 1, s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000 };

/**
 * Parses a `messageDelayLevel` string (`"1s 5s 10s …"`, units `s m h d` as Java, plus `ms`) into milliseconds per
 * level (index 0 = level 1).
 * @throws Error on an empty table or an entry that does not parse
 */
export function parseDelayLevels(text: string): number[] {
  const levels = text
    .trim()
    .split(/\s+/)
    .filter((item) => item !== '')
    .map((item) => {
      const match = /^(\d+)(ms|s|m|h|d)$/.exec(item);
      if (match === null) throw new Error(`messageDelayLevel: "${item}" is not <number><ms|s|m|h|d>`);
      return Number(match[1]) * UNIT_MILLIS[match[2]!]!;
    });
  if (levels.length === 0) throw new Error('messageDelayLevel: no level');
  return levels;
}

/** Runs callbacks at their due times; unref'd timers, all cancelled by {@link close}. */
export class DueTimers {
  private readonly timers = new Set<NodeJS.Timeout>();
  private closed = false;

  /** Calls `run` at `dueAt` (epoch ms), or at once when it is past. */
  at(dueAt: number, run: () => void): void {
    if (this.closed) return;
    const timer = setTimeout(
      () => {
        this.timers.delete(timer);
        if (!this.closed) run();
      },
      Math.max(0, dueAt - Date.now()),
    );
    timer.unref();
    this.timers.add(timer);
  }

  /** Pending callbacks. */
  get size(): number {
    return this.timers.size;
  }

  /** Cancels every pending callback. */
  close(): void {
    this.closed = true;
    for (const timer of this.timers) clearTimeout(timer);
    this.timers.clear();
  }
}
