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

  it('an action that schedules a later one while it runs does not hold back an earlier pending one', async () => {
    const scheduler = new CoarseTimerScheduler();
    const ran: [string, number][] = [];
    const t0 = Date.now();
    const until = async (name: string): Promise<void> => {
      const deadline = Date.now() + 1500;
      while (!ran.some(([n]) => n === name) && Date.now() < deadline) await sleep(5);
    };
    // As a send attempt cut off by its deadline that starts its retry with a long deadline, while another send's
    // deadline is due soon after.
    const retry = { subscription: null as { unsubscribe(): void } | null };
    scheduler.schedule(() => {
      ran.push(['first', Date.now() - t0]);
      retry.subscription = scheduler.schedule(() => ran.push(['retry', Date.now() - t0]), 2000);
    }, 20);
    scheduler.schedule(() => ran.push(['other', Date.now() - t0]), 60);
    await until('other');
    assert.deepEqual(
      ran.map(([name]) => name),
      ['first', 'other'],
      `ran at ${JSON.stringify(ran)}`,
    );
    // Not held back until the retry's due time (2 s).
    assert.ok(ran[1]![1] >= 60 && ran[1]![1] < 1000, `ran at ${JSON.stringify(ran)}`);
    assert.equal(scheduler.pendingCount, 1);
    // Buckets whose actions were all cancelled do not hold the timer either: a later pending action still runs.
    for (let i = 0; i < 20; i++) scheduler.schedule(() => ran.push(['cancelled', Date.now() - t0]), 5 * i).unsubscribe();
    const started = Date.now() - t0;
    scheduler.schedule(() => ran.push(['after cancelled', Date.now() - t0]), 40);
    await until('after cancelled');
    assert.deepEqual(
      ran.slice(2).map(([name]) => name),
      ['after cancelled'],
    );
    assert.ok(ran[2]![1] >= started + 40, `ran at ${JSON.stringify(ran)}`);
    retry.subscription!.unsubscribe();
    assert.equal(scheduler.pendingCount, 0);
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
