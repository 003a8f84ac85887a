import { it } from 'node:test';
import assert from 'node:assert/strict';
import { Observable, Subscription, firstValueFrom } from 'rxjs';
import { resolveOptions } from '../../src/producer/config.js';
import { MQFaultStrategy } from '../../src/producer/fault/mq-fault-strategy.js';
import { createSendPipeline } from '../../src/producer/send-pipeline.js';
import type { RemotingCommand } from '../../src/remoting/remoting-command.js';
import { createResponse } from '../../src/remoting/remoting-command.js';
import { twoBrokerRoute } from './context-fixture.js';

const OK_EXT = { msgId: 'M', queueId: '0', queueOffset: '0' };

it('a send started inside another send\'s start: each first attempt gets its own start', async () => {
  let time = 1_000_000;
  const timeouts = new Map<string, number>();
  let nested: Promise<unknown> | null = null;
  let ids = 0;
  let started = false;
  const options = resolveOptions({ namesrvAddr: '127.0.0.1:9876', producerGroup: 'PG' }, {});
  const send: ReturnType<typeof createSendPipeline> = createSendPipeline({
    options,
    producerGroup: 'PG',
    producerId: 1,
    clientIP: '10.0.0.1',
    state: () => 'RUNNING',
    createUniqueId: () => {
      const id = 'ID' + ids++;
      if (!started) {
        started = true;
        time += 500; // the outer send's start took 500 ms before its nested send
        nested = firstValueFrom(send({ topic: 'N', body: 'x' }, 'async', 1000));
      }
      return id;
    },
    client: {
      invoke$: (_addr: string, request: RemotingCommand, timeoutMillis: number) =>
        new Observable<RemotingCommand>((subscriber) => {
          timeouts.set(request.extFields!['b'] ?? request.extFields!['topic']!, timeoutMillis);
          setTimeout(() => (subscriber.next(createResponse(request, 0, { extFields: OK_EXT })), subscriber.complete()), 1);
        }),
      invokeOneway: async () => undefined,
      closeConnection: () => undefined,
    },
    lookupRoute: async (topic) => twoBrokerRoute(topic),
    cachedRoute: (topic: string) => twoBrokerRoute(topic),
    invalidateRoute: () => undefined,
    faultStrategy: new MQFaultStrategy(),
    scheduler: { now: () => time++, schedule: () => new Subscription() },
  });
  await firstValueFrom(send({ topic: 'O', body: 'x' }, 'async', 3000));
  await nested;
  assert.equal(timeouts.get('N'), 1000);
  const outer = timeouts.get('O')!;
  assert.ok(outer <= 2500, `outer attempt timeout ${outer}`);
});
