import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { Observable, Subscription, firstValueFrom } from 'rxjs';
import type { Message } from '../../src/message/message.js';
import { decodeProperties } from '../../src/message/properties.js';
import { resolveOptions } from '../../src/producer/config.js';
import { MQFaultStrategy } from '../../src/producer/fault/mq-fault-strategy.js';
import { createSendPipeline } from '../../src/producer/send-pipeline.js';
import type { RemotingCommand } from '../../src/remoting/remoting-command.js';
import { createResponse } from '../../src/remoting/remoting-command.js';
import { twoBrokerRoute } from './context-fixture.js';

type Answer = (request: RemotingCommand) => RemotingCommand | null;

function fakeClient(answer: Answer) {
  const log = { subscribed: 0, unsubscribed: 0, requests: [] as RemotingCommand[], closed: [] as string[] };
  const client = {
    invoke$: (_addr: string, request: RemotingCommand) =>
      new Observable<RemotingCommand>((subscriber) => {
        log.subscribed += 1;
        log.requests.push(request);
        const response = answer(request);
        const timer = response === null ? null : setTimeout(() => (subscriber.next(response), subscriber.complete()), 1);
        return () => {
          if (timer !== null) clearTimeout(timer);
          log.unsubscribed += 1;
        };
      }),
    invokeOneway: async (_addr: string, request: RemotingCommand) => void log.requests.push(request),
    closeConnection: (addr: string) => void log.closed.push(addr),
  };
  return { client, log };
}

const OK_EXT = { msgId: 'X', queueId: '1', queueOffset: '5', MSG_REGION: 'DefaultRegion', TRACE_ON: 'true' };

function pipeline(answer: Answer, extra: Record<string, unknown> = {}) {
  const { client, log } = fakeClient(answer);
  const options = resolveOptions({ namesrvAddr: '127.0.0.1:9876', producerGroup: 'PG', ...extra }, {});
  const send = createSendPipeline({
    options,
    producerGroup: 'PG',
    producerId: 1,
    clientIP: '10.0.0.1',
    state: () => 'RUNNING',
    client,
    lookupRoute: async (topic) => twoBrokerRoute(topic),
    invalidateRoute: () => undefined,
    faultStrategy: new MQFaultStrategy(),
  });
  return { send, log };
}

describe('send pipeline (with a fake remoting client)', () => {
  it('is cold and cancellable: unsubscribing before the write writes nothing', async () => {
    const { send, log } = pipeline((req) => createResponse(req, 0, { extFields: OK_EXT }));
    const send$ = send({ topic: 'T', body: 'x' }, 'sync', 3000);
    assert.equal(log.subscribed, 0);
    send$.subscribe().unsubscribe();
    await new Promise((r) => setTimeout(r, 20));
    assert.equal(log.subscribed, 0);
  });

  it('unsubscribing after the write drops the pending request', async () => {
    const { send, log } = pipeline(() => null);
    const subscription = send({ topic: 'T', body: 'x' }, 'sync', 3000).subscribe();
    await new Promise((r) => setTimeout(r, 20));
    assert.equal(log.subscribed, 1);
    subscription.unsubscribe();
    assert.equal(log.unsubscribed, 1);
  });

  it('a retry keeps the unique id, gets a new opaque and the header of the newly selected queue', async () => {
    let n = 0;
    const { send, log } = pipeline((req) => (n++ === 0 ? createResponse(req, 2, { remark: 'busy' }) : createResponse(req, 0, { extFields: OK_EXT })));
    const message: Message = Object.freeze({ topic: 'T', body: Buffer.alloc(5000, 1), keys: Object.freeze(['k']) as string[] });
    const result = await firstValueFrom(send(message, 'sync', 3000));
    const [first, second] = log.requests;
    const uniq = (r: RemotingCommand) => decodeProperties(r.extFields!['i']!)['UNIQ_KEY'];
    assert.equal(uniq(first!), uniq(second!));
    assert.equal(uniq(first!), result.msgId);
    assert.notEqual(first!.opaque, second!.opaque);
    assert.notEqual(first!.extFields!['n'], second!.extFields!['n'], 'the retry targets the other broker');
    assert.equal(second!.extFields!['n'], result.messageQueue.brokerName);
    assert.equal(first!.body, second!.body, 'the body is compressed once and reused');
    assert.equal(first!.extFields!['f'], '769');
  });

  it('GO_AWAY drops the connection to that broker before the retry', async () => {
    let n = 0;
    const { send, log } = pipeline((req) => (n++ === 0 ? createResponse(req, 1500, { remark: 'please go away' }) : createResponse(req, 0, { extFields: OK_EXT })));
    await firstValueFrom(send({ topic: 'T', body: 'x' }, 'sync', 3000));
    assert.equal(log.closed.length, 1);
  });
});

describe('send pipeline: the first attempt and the send share one clock read when nothing waited in between', () => {
  /** A clock that moves 1 ms at every read, so each read shows in the attempt's timeout. */
  function countingScheduler() {
    let time = 1_000_000;
    return { now: () => time++, schedule: () => new Subscription() };
  }
  function timedPipeline(cached: boolean) {
    const timeouts: number[] = [];
    const options = resolveOptions({ namesrvAddr: '127.0.0.1:9876', producerGroup: 'PG' }, {});
    const send = createSendPipeline({
      options,
      producerGroup: 'PG',
      producerId: 1,
      clientIP: '10.0.0.1',
      state: () => 'RUNNING',
      client: {
        invoke$: (_addr: string, request: RemotingCommand, timeoutMillis: number) =>
          new Observable<RemotingCommand>((subscriber) => {
            timeouts.push(timeoutMillis);
            setTimeout(() => (subscriber.next(createResponse(request, 0, { extFields: OK_EXT })), subscriber.complete()), 1);
          }),
        invokeOneway: async () => undefined,
        closeConnection: () => undefined,
      },
      lookupRoute: async (topic) => twoBrokerRoute(topic),
      ...(cached ? { cachedRoute: (topic: string) => twoBrokerRoute(topic) } : {}),
      invalidateRoute: () => undefined,
      faultStrategy: new MQFaultStrategy(),
      scheduler: countingScheduler(),
    });
    return { send, timeouts };
  }

  it('a route from the cache: the first attempt starts at the send start (its timeout is the whole budget)', async () => {
    const { send, timeouts } = timedPipeline(true);
    await firstValueFrom(send({ topic: 'T', body: 'x' }, 'async', 3000));
    assert.deepEqual(timeouts, [3000]);
  });

  it('a route looked up: the first attempt reads the clock itself, after the look-up', async () => {
    const { send, timeouts } = timedPipeline(false);
    await firstValueFrom(send({ topic: 'T', body: 'x' }, 'async', 3000));
    assert.equal(timeouts.length, 1);
    assert.ok(timeouts[0]! < 3000, `attempt timeout ${timeouts[0]}`);
  });
});
