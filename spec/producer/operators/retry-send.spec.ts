import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type { Observable } from 'rxjs';
import { of } from 'rxjs';
import { TestScheduler } from 'rxjs/testing';
import { MQBrokerError, RemotingConnectError, RemotingTimeoutError, RemotingTooMuchRequestError } from '../../../src/errors.js';
import { isRetriableSendError, retrySend } from '../../../src/producer/operators/retry-send.js';
import type { RetrySendOptions, RetryState } from '../../../src/producer/operators/retry-send.js';
import type { SendMode } from '../../../src/producer/hooks.js';

interface R {
  sendStatus: string;
  n: number;
}
type Ctx = RetryState<R> & { lastError: unknown };

const CODES = new Set([1, 2, 14, 16, 17, 204, 205, 1500]);

function scheduler(): TestScheduler {
  return new TestScheduler((actual, expected) => assert.deepStrictEqual(actual, expected));
}

function ctx(deadline: number): Ctx {
  return { deadline, attempt: 0, attemptTimeout: 0, attemptStartedAt: 0, result: null, lastError: null };
}

function opts(mode: SendMode, extra: Partial<RetrySendOptions<Ctx>> = {}): RetrySendOptions<Ctx> {
  return {
    mode,
    retryTimesWhenSendFailed: 2,
    retryTimesWhenSendAsyncFailed: 2,
    retryAnotherBrokerWhenNotStoreOK: false,
    sendMsgMaxTimeoutPerRequest: -1,
    isRetriable: (e) => isRetriableSendError(e, CODES),
    ...extra,
  };
}

const ok = (n: number): R => ({ sendStatus: 'SEND_OK', n });
const busy = new MQBrokerError('busy', 2, 'system busy');
const illegal = new MQBrokerError('illegal', 13, 'message illegal');
const refused = new RemotingConnectError('refused');

describe('isRetriableSendError', () => {
  it('reads broker codes from the set and the retriable flag of other errors', () => {
    assert.equal(isRetriableSendError(busy, CODES), true);
    assert.equal(isRetriableSendError(illegal, CODES), false);
    assert.equal(isRetriableSendError(refused, CODES), true);
    assert.equal(isRetriableSendError(new RemotingTimeoutError('t', 1), CODES), true);
    assert.equal(isRetriableSendError(new RemotingTooMuchRequestError('x'), CODES), false);
    assert.equal(isRetriableSendError(new TypeError('bug'), CODES), false);
  });
});

describe('retrySend', () => {
  it('sync: emits the first attempt result without retrying', () => {
    scheduler().run(({ cold, expectObservable, expectSubscriptions }) => {
      const a = cold('-a|', { a: ok(1) });
      const c = ctx(1000);
      expectObservable(of(c).pipe(retrySend(() => a, opts('sync')))).toBe('-a|', { a: ok(1) });
      expectSubscriptions(a.subscriptions).toBe('^-!');
    });
  });

  it('sync: retriable errors make 1 + retryTimesWhenSendFailed attempts, then the last error', () => {
    scheduler().run(({ cold, expectObservable }) => {
      const attempts: Observable<R>[] = [cold<R>('-#', {}, busy), cold('--#', {}, refused), cold<R>('-#', {}, busy)];
      const c = ctx(1000);
      expectObservable(of(c).pipe(retrySend(() => attempts[c.attempt - 1]!, opts('sync')))).toBe('----#', {}, busy);
    });
  });

  it('sync: succeeds on the third attempt', () => {
    scheduler().run(({ cold, expectObservable }) => {
      const attempts: Observable<R>[] = [cold<R>('-#', {}, busy), cold<R>('-#', {}, refused), cold('-a|', { a: ok(3) })];
      const c = ctx(1000);
      expectObservable(of(c).pipe(retrySend(() => attempts[c.attempt - 1]!, opts('sync')))).toBe('---a|', { a: ok(3) });
    });
  });

  it('sync: retryTimesWhenSendFailed 0 means one attempt', () => {
    scheduler().run(({ cold, expectObservable, flush }) => {
      let n = 0;
      const c = ctx(1000);
      const piped = of(c).pipe(retrySend(() => (n++, cold<R>('-#', {}, busy)), opts('sync', { retryTimesWhenSendFailed: 0 })));
      expectObservable(piped).toBe('-#', {}, busy);
      flush();
      assert.equal(n, 1);
    });
  });

  it('sync: a non-retriable broker error is final', () => {
    scheduler().run(({ cold, expectObservable, flush }) => {
      let n = 0;
      const c = ctx(1000);
      expectObservable(of(c).pipe(retrySend(() => (n++, cold<R>('-#', {}, illegal)), opts('sync')))).toBe('-#', {}, illegal);
      flush();
      assert.equal(n, 1);
    });
  });

  it('sync: retryAnotherBrokerWhenNotStoreOK retries a non-OK result and returns the last result', () => {
    scheduler().run(({ cold, expectObservable, flush }) => {
      const slow = { sendStatus: 'FLUSH_DISK_TIMEOUT', n: 0 };
      let n = 0;
      const c = ctx(1000);
      const piped = of(c).pipe(retrySend(() => (n++, cold('-a|', { a: slow })), opts('sync', { retryAnotherBrokerWhenNotStoreOK: true })));
      expectObservable(piped).toBe('---a|', { a: slow });
      flush();
      assert.equal(n, 3);
    });
  });

  it('sync: a non-OK result is returned as is by default', () => {
    scheduler().run(({ cold, expectObservable }) => {
      const slow = { sendStatus: 'SLAVE_NOT_AVAILABLE', n: 0 };
      const c = ctx(1000);
      expectObservable(of(c).pipe(retrySend(() => cold('-a|', { a: slow }), opts('sync')))).toBe('-a|', { a: slow });
    });
  });

  it('sync: a stored non-OK result wins over a later error (as Java)', () => {
    scheduler().run(({ cold, expectObservable }) => {
      const slow = { sendStatus: 'FLUSH_DISK_TIMEOUT', n: 0 };
      const attempts: Observable<R>[] = [cold('-a|', { a: slow }), cold<R>('-#', {}, illegal)];
      const c = ctx(1000);
      const piped = of(c).pipe(retrySend(() => attempts[c.attempt - 1]!, opts('sync', { retryAnotherBrokerWhenNotStoreOK: true })));
      expectObservable(piped).toBe('--(a|)', { a: slow });
    });
  });

  it('sync: one deadline over all attempts; a silent broker times out at the deadline', () => {
    scheduler().run(({ cold, expectObservable, flush }) => {
      let n = 0;
      const c = ctx(10);
      const piped = of(c).pipe(retrySend(() => (n++, cold<R>('-')), opts('sync')));
      expectObservable(piped).toBe('10ms #', {}, new RemotingTimeoutError('send attempt 1 timed out after 10 ms', 10));
      flush();
      assert.equal(n, 1);
    });
  });

  it('sync: sendMsgMaxTimeoutPerRequest caps the attempts that have a retry after them', () => {
    scheduler().run(({ cold, expectObservable, flush }) => {
      const timeouts: number[] = [];
      const c = ctx(10);
      const piped = of(c).pipe(
        retrySend(() => (timeouts.push(c.attemptTimeout), cold<R>('-')), opts('sync', { sendMsgMaxTimeoutPerRequest: 4 })),
      );
      expectObservable(piped).toBe('10ms #', {}, new RemotingTimeoutError('send attempt 3 timed out after 2 ms', 2));
      flush();
      assert.deepEqual(timeouts, [4, 4, 2]);
    });
  });

  it('sync: beforeRetry runs between attempts with the error', () => {
    scheduler().run(({ cold, expectObservable, flush }) => {
      const seen: unknown[] = [];
      const attempts: Observable<R>[] = [cold<R>('-#', {}, busy), cold('-a|', { a: ok(2) })];
      const c = ctx(1000);
      const piped = of(c).pipe(
        retrySend(() => attempts[c.attempt - 1]!, opts('sync', { beforeRetry: (e) => (seen.push(e), cold('--x|')) })),
      );
      expectObservable(piped).toBe('-----a|', { a: ok(2) });
      flush();
      assert.deepEqual(seen, [busy]);
    });
  });

  it('sync: unsubscribing stops the attempt in flight', () => {
    scheduler().run(({ cold, expectObservable, expectSubscriptions }) => {
      const a = cold('-----a|', { a: ok(1) });
      const c = ctx(1000);
      expectObservable(of(c).pipe(retrySend(() => a, opts('sync'))), '^--!').toBe('---');
      expectSubscriptions(a.subscriptions).toBe('^--!');
    });
  });

  it('async: RxJS retry makes 1 + retryTimesWhenSendAsyncFailed attempts on retriable errors', () => {
    scheduler().run(({ cold, expectObservable, flush }) => {
      let n = 0;
      const c = ctx(1000);
      const piped = of(c).pipe(retrySend(() => (n++, cold<R>('-#', {}, refused)), opts('async', { retryTimesWhenSendAsyncFailed: 3 })));
      expectObservable(piped).toBe('----#', {}, refused);
      flush();
      assert.equal(n, 4);
    });
  });

  it('async: broker codes in the retry set are retried, others are final', () => {
    scheduler().run(({ cold, expectObservable, flush }) => {
      let n = 0;
      const c1 = ctx(1000);
      expectObservable(of(c1).pipe(retrySend(() => (n++, cold<R>('-#', {}, busy)), opts('async')))).toBe('---#', {}, busy);
      flush();
      assert.equal(n, 3);
    });
    scheduler().run(({ cold, expectObservable, flush }) => {
      let m = 0;
      const c2 = ctx(1000);
      expectObservable(of(c2).pipe(retrySend(() => (m++, cold<R>('-#', {}, illegal)), opts('async')))).toBe('-#', {}, illegal);
      flush();
      assert.equal(m, 1);
    });
  });

  it('async: succeeds after a retry; the deadline bounds every attempt', () => {
    scheduler().run(({ cold, expectObservable }) => {
      const attempts: Observable<R>[] = [cold<R>('-#', {}, refused), cold('-a|', { a: ok(2) })];
      const c = ctx(1000);
      expectObservable(of(c).pipe(retrySend(() => attempts[c.attempt - 1]!, opts('async')))).toBe('--a|', { a: ok(2) });
      const d = ctx(5);
      expectObservable(of(d).pipe(retrySend(() => cold<R>('-'), opts('async')))).toBe(
        '5ms #',
        {},
        new RemotingTimeoutError('send attempt 1 timed out after 5 ms', 5),
      );
    });
  });

  it('oneway: exactly one attempt, never retried', () => {
    scheduler().run(({ cold, expectObservable, flush }) => {
      let n = 0;
      const c = ctx(1000);
      expectObservable(of(c).pipe(retrySend(() => (n++, cold<R>('-#', {}, refused)), opts('oneway')))).toBe('-#', {}, refused);
      flush();
      assert.equal(n, 1);
    });
    scheduler().run(({ cold, expectObservable }) => {
      const d = ctx(1000);
      expectObservable(of(d).pipe(retrySend(() => cold<R>('--|'), opts('oneway')))).toBe('--|');
    });
  });
});
