/**
 * The send path uses RxJS through its public API only: an RxJS upgrade that changes its internals must not be able
 * to silently break how a send settles. Two checks:
 * - a source scan: no file of `src/` names an RxJS internal member or imports `rxjs/internal`;
 * - at run time: while real sends (sync, async, oneway, publish, with retries and deadlines) go through an embedded
 *   cluster, every RxJS internal member is trapped and any access from outside RxJS's own code is recorded; and no
 *   subscriber class the sends create overrides one.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { from, lastValueFrom, Observable, Subscriber, Subscription, toArray } from 'rxjs';
import type { EmbeddedCluster } from '../../src/embedded/index.js';
import type { SendResult } from '../../src/message/message.js';
import type { Producer } from '../../src/producer/producer.js';
import { SEND_V2, startCluster, startProducer, stopAll, unique } from './cluster-fixture.js';

const SRC = fileURLToPath(new URL('../../src/', import.meta.url));

/** Members RxJS 7 keeps for itself (underscored, or `protected` on `Subscriber`). */
const SUBSCRIPTION_FIELDS = ['_finalizers', '_parentage', 'initialTeardown'] as const;
const SUBSCRIPTION_METHODS = ['_addParent', '_removeParent', '_hasParent'] as const;
const SUBSCRIBER_FIELDS = ['isStopped', 'destination'] as const;
const SUBSCRIBER_METHODS = ['_next', '_error', '_complete'] as const;
const OBSERVABLE_METHODS = ['_subscribe', '_trySubscribe'] as const;
const ALL_PRIVATE = [...SUBSCRIPTION_FIELDS, ...SUBSCRIPTION_METHODS, ...SUBSCRIBER_FIELDS, ...SUBSCRIBER_METHODS, ...OBSERVABLE_METHODS];

async function sourceFiles(dir: string): Promise<string[]> {
  const out: string[] = [];
  for (const entry of await readdir(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) out.push(...(await sourceFiles(path)));
    else if (entry.name.endsWith('.ts')) out.push(path);
  }
  return out;
}

describe('RxJS public API only: source scan', () => {
  it('no file of src/ names an RxJS internal member or imports rxjs/internal', async () => {
    const names: string[] = ALL_PRIVATE.filter((name) => name.startsWith('_'));
    names.push('_teardown', '_throwIfClosed', '_innerSubscribe', '_checkFinalizedStatuses');
    const pattern = new RegExp(`(?:\\.|\\b(?:override|protected)\\s+)(?:${names.join('|')})\\b|rxjs/internal|\\.isStopped\\b|\\bthis\\.destination\\b`);
    const hits: string[] = [];
    const files = await sourceFiles(SRC);
    assert.ok(files.length > 50, 'the scan sees the sources');
    for (const file of files) {
      const lines = (await readFile(file, 'utf8')).split('\n');
      lines.forEach((line, index) => {
        if (pattern.test(line)) hits.push(`${file.slice(SRC.length)}:${index + 1}: ${line.trim()}`);
      });
    }
    assert.deepEqual(hits, []);
  });
});

interface Violation {
  member: string;
  frame: string;
}

/**
 * Traps every RxJS internal member: accessor properties on the prototypes (RxJS assigns its fields in constructors,
 * so the assignments go through them) and wrappers around the methods. An access whose caller is not RxJS's own
 * code is a violation.
 */
function installTraps(): { violations: Violation[]; rxjsAccesses: () => number; subscriberClasses: Set<object>; restore: () => void } {
  const violations: Violation[] = [];
  let rxjsAccesses = 0;
  const subscriberClasses = new Set<object>();
  const restores: (() => void)[] = [];
  // Values of the trapped fields, per object; written back as own properties when the traps are removed.
  const values = new Map<object, Map<string, unknown>>();

  const check = (member: string, trap: (...args: never[]) => unknown): void => {
    const holder: { stack?: string } = {};
    const limit = Error.stackTraceLimit;
    Error.stackTraceLimit = 2;
    Error.captureStackTrace(holder, trap);
    Error.stackTraceLimit = limit;
    const frame = (holder.stack ?? '').split('\n')[1]?.trim() ?? '';
    if (/[\\/]node_modules[\\/]rxjs[\\/]/.test(frame)) rxjsAccesses++;
    else violations.push({ member, frame });
  };

  const trapField = (proto: object, member: string, onSet?: (self: object) => void): void => {
    const had = Object.getOwnPropertyDescriptor(proto, member);
    const descriptor: PropertyDescriptor = {
      configurable: true,
      get(this: object) {
        check(member, descriptor.get as never);
        return values.get(this)?.get(member);
      },
      set(this: object, value: unknown) {
        check(member, descriptor.set as never);
        let own = values.get(this);
        if (own === undefined) values.set(this, (own = new Map()));
        own.set(member, value);
        onSet?.(this);
      },
    };
    Object.defineProperty(proto, member, descriptor);
    restores.push(() => {
      if (had === undefined) delete (proto as Record<string, unknown>)[member];
      else Object.defineProperty(proto, member, had);
    });
  };

  const trapMethod = (proto: object, member: string): void => {
    const had = Object.getOwnPropertyDescriptor(proto, member);
    assert.ok(had !== undefined && typeof had.value === 'function', `RxJS still has ${member}`);
    const original = had.value as (...args: unknown[]) => unknown;
    const wrapper = function (this: unknown, ...args: unknown[]): unknown {
      check(member, wrapper as never);
      return original.apply(this, args);
    };
    Object.defineProperty(proto, member, { ...had, value: wrapper });
    restores.push(() => Object.defineProperty(proto, member, had));
  };

  for (const member of SUBSCRIPTION_FIELDS) trapField(Subscription.prototype, member);
  for (const member of SUBSCRIPTION_METHODS) trapMethod(Subscription.prototype, member);
  // Every Subscriber constructor assigns `destination`: that is where the classes of the subscribers are collected.
  trapField(Subscriber.prototype, 'destination', (self) => void subscriberClasses.add(Object.getPrototypeOf(self) as object));
  trapField(Subscriber.prototype, 'isStopped');
  for (const member of SUBSCRIBER_METHODS) trapMethod(Subscriber.prototype, member);
  for (const member of OBSERVABLE_METHODS) trapMethod(Observable.prototype, member);
  return {
    violations,
    rxjsAccesses: () => rxjsAccesses,
    subscriberClasses,
    restore: () => {
      for (const restore of restores.reverse()) restore();
      for (const [self, own] of values) {
        for (const [member, value] of own) Object.defineProperty(self, member, { value, writable: true, enumerable: true, configurable: true });
      }
      values.clear();
    },
  };
}

/** The classes of `subscriberClasses` (up to `Subscriber`) that override an internal member. */
function overridesOfInternals(subscriberClasses: Set<object>): string[] {
  const found: string[] = [];
  for (const first of subscriberClasses) {
    for (let proto: object | null = first; proto !== null && proto !== Subscriber.prototype; proto = Object.getPrototypeOf(proto) as object | null) {
      const name = (proto as { constructor?: { name?: string } }).constructor?.name ?? '?';
      for (const member of ALL_PRIVATE) {
        if (Object.prototype.hasOwnProperty.call(proto, member)) found.push(`${name}.${member}`);
      }
    }
  }
  return [...new Set(found)];
}

describe('RxJS public API only: at run time, during real sends', () => {
  let cluster: EmbeddedCluster;
  let producer: Producer;
  let topic: string;

  before(async () => {
    cluster = await startCluster();
    producer = await startProducer(cluster, { sendMsgTimeout: 1500, retryTimesWhenSendAsyncFailed: 2 });
    topic = unique('PublicApiTopic');
    await producer.send({ topic, body: 'warm-up' });
    for (const broker of cluster.brokers) await broker.createTopic(topic);
  });
  after(stopAll);

  it('the traps see RxJS itself, and see an access from outside it', () => {
    const traps = installTraps();
    try {
      const subscriber = new Subscriber<number>();
      new Observable<number>((s) => s.next(1)).subscribe(subscriber);
      assert.ok(traps.rxjsAccesses() > 0, 'RxJS reaches its own members through the traps');
      assert.deepEqual(traps.violations, []);
      void (subscriber as unknown as { _finalizers: unknown })._finalizers;
      const seen: Violation[] = traps.violations;
      assert.deepEqual(
        seen.map((v) => v.member),
        ['_finalizers'],
      );
      class Overriding extends Subscriber<number> {
        protected override _next(): void {}
      }
      traps.subscriberClasses.clear();
      new Overriding().unsubscribe();
      assert.deepEqual(overridesOfInternals(traps.subscriberClasses), ['Overriding._next']);
    } finally {
      traps.restore();
    }
  });

  it('no send touches an RxJS internal member, in any mode, with retries and deadlines', async () => {
    const traps = installTraps();
    try {
      const results: (SendResult | Error)[] = [];
      results.push(await producer.send({ topic, body: 'sync' }));
      results.push(
        ...(await Promise.all(
          Array.from({ length: 20 }, (_, i) => new Promise<SendResult | Error>((resolve) => producer.sendAsync({ topic, body: `async ${i}` }, { onSuccess: resolve, onException: resolve }))),
        )),
      );
      await producer.sendOneway({ topic, body: 'oneway' });
      const outcomes = await lastValueFrom(
        from(Array.from({ length: 20 }, (_, i) => ({ topic, body: `publish ${i}` }))).pipe(producer.publish({ maxInFlight: 4 }), toArray()),
      );
      // An async send retried after a broker error, and a sync send cut off by its deadline.
      for (const broker of cluster.brokers) broker.faults.respondWith(2, { requestCode: SEND_V2, times: 1 });
      results.push(await new Promise<SendResult | Error>((resolve) => producer.sendAsync({ topic, body: 'retried' }, { onSuccess: resolve, onException: resolve })));
      for (const broker of cluster.brokers) broker.faults.clear();
      for (const broker of cluster.brokers) broker.faults.delay(3000, { requestCode: SEND_V2 });
      const late = await producer.send({ topic, body: 'late' }, { timeout: 300 }).catch((error: unknown) => error as Error);
      for (const broker of cluster.brokers) broker.faults.clear();

      assert.equal(results.filter((r) => r instanceof Error).length, 0, 'every send succeeded');
      assert.equal(outcomes.length, 20);
      assert.ok(outcomes.every((o) => o.ok));
      assert.equal((late as { code?: string }).code, 'RMQ_ERR_REMOTING_TIMEOUT');
      assert.ok(traps.rxjsAccesses() > 0, 'the traps were live');
      assert.ok(traps.subscriberClasses.size > 3, 'the send subscribers were seen');
      assert.deepEqual(traps.violations, []);
      assert.deepEqual(overridesOfInternals(traps.subscriberClasses), []);
    } finally {
      traps.restore();
    }
  });
});
