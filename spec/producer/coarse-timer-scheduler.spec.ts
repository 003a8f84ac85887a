import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { setTimeout as sleep } from 'node:timers/promises';
import { firstValueFrom, NEVER, of, timeout, TimeoutError } from 'rxjs';
import { CoarseTimerScheduler, GRANULARITY_MILLIS } from '../../src/producer/coarse-timer-scheduler.js';

const refedTimers = (): number => process.getActiveResourcesInfo().filter((name) => name === 'Timeout').length;

describe('CoarseTimerScheduler', () => {
  it('runs each action with its state, never before its delay, in due order (across granularity steps)', async () => {
    const scheduler = new CoarseTimerScheduler();
    const ran: [string, number][] = [];
    const t0 = Date.now();
    scheduler.schedule((state) => ran.push([state!, Date.now() - t0]), 60, 'late');
    scheduler.schedule((state) => ran.push([state!, Date.now() - t0]), 2 * GRANULARITY_MILLIS + 5, 'early');
    scheduler.schedule((state) => ran.push([state!, Date.now() - t0]), 0, 'now');
    assert.equal(scheduler.pendingCount, 3);
    await sleep(60 + 3 * GRANULARITY_MILLIS);
    assert.deepEqual(
      ran.map(([name]) => name),
      ['now', 'early', 'late'],
    );
    assert.ok(ran[1]![1] >= 2 * GRANULARITY_MILLIS + 5 && ran[2]![1] >= 60, `ran at ${JSON.stringify(ran)}`);
    assert.equal(scheduler.pendingCount, 0);
  });

  it('runs overdue actions in due order after a stalled event loop, whatever order they were scheduled in', async () => {
    const scheduler = new CoarseTimerScheduler();
    const ran: string[] = [];
    scheduler.schedule((state) => ran.push(state!), 2 * GRANULARITY_MILLIS + 5, 'early');
    scheduler.schedule((state) => ran.push(state!), 0, 'now');
    // Block the loop past both due times, so that one timer callback finds both buckets due.
    const until = Date.now() + 3 * GRANULARITY_MILLIS + 10;
    while (Date.now() < until);
    await sleep(2 * GRANULARITY_MILLIS);
    assert.deepEqual(ran, ['now', 'early']);
  });

  it('never runs a cancelled action, and counts it out at once', async () => {
    const scheduler = new CoarseTimerScheduler();
    let ran = 0;
    const subscription = scheduler.schedule(() => ran++, 5);
    scheduler.schedule(() => ran++, 5).unsubscribe();
    subscription.unsubscribe();
    assert.equal(scheduler.pendingCount, 0);
    await sleep(5 + 3 * GRANULARITY_MILLIS);
    assert.equal(ran, 0);
  });

  it('supports recursive scheduling through the action', async () => {
    const scheduler = new CoarseTimerScheduler();
    const seen: number[] = [];
    scheduler.schedule(
      function (n) {
        seen.push(n!);
        if (n! < 3) this.schedule(n! + 1, 1);
      },
      0,
      1,
    );
    await sleep(6 * GRANULARITY_MILLIS);
    assert.deepEqual(seen, [1, 2, 3]);
    assert.equal(scheduler.pendingCount, 0);
  });

  it('drives rxjs timeout(): errors when nothing came in time, cancels its action when a value did', async () => {
    const scheduler = new CoarseTimerScheduler();
    await assert.rejects(firstValueFrom(NEVER.pipe(timeout({ first: 5, scheduler }))), (error: unknown) => error instanceof TimeoutError);
    assert.equal(await firstValueFrom(of(7).pipe(timeout({ first: 5000, scheduler }))), 7);
    assert.equal(scheduler.pendingCount, 0);
  });

  it('does not keep the process alive while nothing is pending', async () => {
    const scheduler = new CoarseTimerScheduler();
    const before = refedTimers();
    const subscription = scheduler.schedule(() => {}, 60_000);
    assert.equal(refedTimers(), before + 1, 'a pending action keeps it alive, as a setInterval would');
    subscription.unsubscribe();
    assert.equal(refedTimers(), before);
    scheduler.schedule(() => {}, 0);
    await sleep(3 * GRANULARITY_MILLIS);
    assert.equal(refedTimers(), before);
  });
});
