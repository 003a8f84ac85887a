import assert from 'node:assert/strict';
import { afterEach, describe, it } from 'node:test';
import { config, firstValueFrom, lastValueFrom, map, toArray, type Subscription } from 'rxjs';
import type { RocketMQError } from '../../src/errors.js';
import type { Connection } from '../../src/remoting/connection.js';
import { RemotingClient, type RPCHook } from '../../src/remoting/remoting-client.js';
import { createRequest, createResponse, isOneway, type RemotingCommand } from '../../src/remoting/remoting-command.js';
import { RemotingServer, type RequestHandler, type ServerConnection } from '../../src/remoting/remoting-server.js';
import { ResponseCode } from '../../src/remoting/response-code.js';
import { unresponsiveListener } from '../helpers/unresponsive-listener.js';

const tick = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));
const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

async function until(condition: () => boolean, what: string, limitMillis = 5000): Promise<void> {
  const start = Date.now();
  while (!condition()) {
    if (Date.now() - start > limitMillis) throw new Error(`timed out waiting for ${what}`);
    await sleep(1);
  }
}

async function rejectsWithCode(promise: Promise<unknown>, code: string): Promise<RocketMQError> {
  try {
    await promise;
  } catch (error) {
    assert.equal((error as RocketMQError).code, code);
    return error as RocketMQError;
  }
  assert.fail(`expected ${code}`);
}

const echo: RequestHandler = (request) =>
  createResponse(request, ResponseCode.SUCCESS, { extFields: { code: String(request.code) }, body: request.body });

describe('RemotingClient against a loopback RemotingServer', () => {
  const servers: RemotingServer[] = [];
  const clients: RemotingClient[] = [];

  afterEach(async () => {
    for (const client of clients.splice(0)) await client.close();
    for (const server of servers.splice(0)) await server.close();
  });

  async function serve(handler: RequestHandler): Promise<RemotingServer> {
    const server = new RemotingServer(handler);
    await server.listen(0);
    servers.push(server);
    return server;
  }

  function client(options?: ConstructorParameters<typeof RemotingClient>[0]): RemotingClient {
    const created = new RemotingClient(options);
    clients.push(created);
    return created;
  }

  it('invoke$ is cold, emits the response once and completes', async () => {
    const server = await serve(echo);
    const remoting = client();
    const request = createRequest(105, { topic: 'TopicTest' }, { body: Buffer.from('hi') });
    const call$ = remoting.invoke$(server.address, request, 3000);
    await tick();
    assert.equal(server.connections.size, 0, 'nothing happens before subscription');
    const responses = await lastValueFrom(call$.pipe(toArray()));
    assert.equal(responses.length, 1);
    assert.equal(responses[0]!.opaque, request.opaque);
    assert.equal(responses[0]!.extFields?.code, '105');
    assert.deepEqual(responses[0]!.body, Buffer.from('hi'));
    assert.equal(remoting.inflightCount, 0);
  });

  it('10,000 concurrent invoke$ each get their own response, answered in shuffled order', async () => {
    const held: { request: RemotingCommand; connection: ServerConnection }[] = [];
    const total = 10_000;
    const server = await serve((request, connection) => {
      held.push({ request, connection });
      if (held.length === total) {
        // Fisher–Yates with a fixed LCG so the order is shuffled but reproducible.
        let seed = 42;
        for (let i = held.length - 1; i > 0; i--) {
          seed = (seed * 1103515245 + 12345) & 0x7fffffff;
          const j = seed % (i + 1);
          [held[i], held[j]] = [held[j]!, held[i]!];
        }
        for (const { request: r, connection: c } of held) {
          c.write(createResponse(r, ResponseCode.SUCCESS, { extFields: { echo: r.extFields!.n! } }));
        }
      }
      return null;
    });
    const remoting = client();
    const results = await Promise.all(
      Array.from({ length: total }, (_, n) =>
        remoting.invoke(server.address, createRequest(1, { n: String(n) }), 30_000).then((response) => response.extFields!.echo),
      ),
    );
    assert.deepEqual(
      results,
      Array.from({ length: total }, (_, n) => String(n)),
    );
    assert.equal(remoting.inflightCount, 0);
    assert.equal(server.connections.size, 1);
  });

  it('a server that never answers yields RMQ_ERR_REMOTING_TIMEOUT within timeout + 100 ms', async () => {
    const server = await serve(() => null);
    const remoting = client();
    const started = performance.now();
    const error = await rejectsWithCode(remoting.invoke(server.address, createRequest(1), 200), 'RMQ_ERR_REMOTING_TIMEOUT');
    const elapsed = performance.now() - started;
    assert.ok(elapsed >= 199, `timed out early (${elapsed} ms)`);
    assert.ok(elapsed < 300, `timed out late (${elapsed} ms)`);
    assert.equal(error.retriable, true);
    assert.equal(error.address, server.address);
    assert.equal(remoting.inflightCount, 0);
  });

  it('killing the server fails every pending request at once with RMQ_ERR_REMOTING_SEND_REQUEST', async () => {
    let seen = 0;
    const server = await serve(() => {
      seen++;
      return null;
    });
    const remoting = client();
    const pending = Array.from({ length: 100 }, () =>
      remoting.invoke(server.address, createRequest(1), 60_000).then(
        () => assert.fail('should not resolve'),
        (error: RocketMQError) => error,
      ),
    );
    await until(() => seen === 100, 'the server to receive all requests');
    const killedAt = performance.now();
    await server.close();
    const errors = await Promise.all(pending);
    assert.ok(performance.now() - killedAt < 100);
    assert.ok(errors.every((error) => error.code === 'RMQ_ERR_REMOTING_SEND_REQUEST'));
    assert.equal(remoting.inflightCount, 0);
  });

  it('a refused connect fails with RMQ_ERR_REMOTING_CONNECT; an invalid address too', async () => {
    const server = await serve(echo);
    const address = server.address;
    await server.close();
    servers.length = 0;
    const remoting = client();
    await rejectsWithCode(remoting.invoke(address, createRequest(1), 3000), 'RMQ_ERR_REMOTING_CONNECT');
    await rejectsWithCode(remoting.invoke('no-port-here', createRequest(1), 3000), 'RMQ_ERR_REMOTING_CONNECT');
    await rejectsWithCode(remoting.invokeOneway('no-port-here', createRequest(1), 3000), 'RMQ_ERR_REMOTING_CONNECT');
    assert.equal(remoting.inflightCount, 0);
  });

  it('connectTimeoutMillis: requests waiting for a hanging connect fail together with RMQ_ERR_REMOTING_CONNECT', async (t) => {
    const listener = await unresponsiveListener();
    try {
      if (listener.address === null) {
        t.skip('this kernel completes every connect');
        return;
      }
      const remoting = client({ connectTimeoutMillis: 100 });
      const started = performance.now();
      const results = await Promise.allSettled(
        Array.from({ length: 10 }, () => remoting.invoke(listener.address!, createRequest(1), 10_000)),
      );
      const elapsed = performance.now() - started;
      assert.ok(elapsed >= 95 && elapsed < 1000, `failed after ${elapsed} ms`);
      for (const result of results) {
        assert.equal(result.status, 'rejected');
        assert.equal((result.reason as RocketMQError).code, 'RMQ_ERR_REMOTING_CONNECT');
      }
      assert.equal(remoting.inflightCount, 0);
    } finally {
      await listener.close();
    }
  });

  it('unsubscribing before the write writes nothing; after it, removes the pending entry', async () => {
    const seen: number[] = [];
    const server = await serve((request) => {
      seen.push(request.code);
      return null;
    });
    const remoting = client();
    // Before the write: subscribe and unsubscribe in the same tick.
    remoting.invoke$(server.address, createRequest(7), 5000).subscribe().unsubscribe();
    assert.equal(remoting.inflightCount, 0);
    // After the write.
    const subs: Subscription[] = [];
    for (let i = 0; i < 50; i++) subs.push(remoting.invoke$(server.address, createRequest(8), 5000).subscribe());
    assert.equal(remoting.inflightCount, 50);
    await until(() => seen.length === 50, 'the requests to arrive');
    for (const sub of subs) sub.unsubscribe();
    assert.equal(remoting.inflightCount, 0);
    await sleep(20);
    assert.ok(seen.every((code) => code === 8), 'the request unsubscribed before the write never reached the server');
  });

  it('refuses a timeout that is not a number ≥ 0 (it could never expire)', async () => {
    const server = await serve(echo);
    const remoting = client();
    await assert.rejects(remoting.invoke(server.address, createRequest(1), Number.NaN), RangeError);
    await assert.rejects(remoting.invokeOneway(server.address, createRequest(1), -1), RangeError);
    assert.equal(remoting.inflightCount, 0);
  });

  it('ignores responses with an unknown opaque', async () => {
    const server = await serve((request, connection) => {
      connection.write(createResponse({ opaque: request.opaque + 1_000_000, serializeType: 0 }, ResponseCode.SYSTEM_ERROR));
      return createResponse(request, ResponseCode.SUCCESS);
    });
    const remoting = client();
    const response = await remoting.invoke(server.address, createRequest(1), 3000);
    assert.equal(response.code, ResponseCode.SUCCESS);
  });

  it('permits: async requests beyond clientAsyncSemaphoreValue fail with RMQ_ERR_REMOTING_TOO_MUCH_REQUEST', async () => {
    const held: (() => void)[] = [];
    const server = await serve((request, connection) => {
      held.push(() => connection.write(createResponse(request, ResponseCode.SUCCESS)));
      return null;
    });
    const remoting = client({ clientAsyncSemaphoreValue: 2 });
    const first = remoting.invoke(server.address, createRequest(1), 5000, { async: true });
    const second = remoting.invoke(server.address, createRequest(1), 5000, { async: true });
    // A non-async invoke takes no permit.
    const sync = remoting.invoke(server.address, createRequest(1), 5000);
    await rejectsWithCode(remoting.invoke(server.address, createRequest(1), 50, { async: true }), 'RMQ_ERR_REMOTING_TOO_MUCH_REQUEST');
    // A waiter gets the permit as soon as one is released.
    const waiting = remoting.invoke(server.address, createRequest(1), 5000, { async: true });
    await until(() => held.length === 3, 'three requests at the server');
    held.shift()!();
    await first;
    await until(() => held.length === 3, 'the waiting request to be written');
    for (const answer of held.splice(0)) answer();
    await Promise.all([second, sync, waiting]);
    // Every permit came back exactly once: two more fit at once.
    const again = [1, 2].map(() => remoting.invoke(server.address, createRequest(1), 5000, { async: true }));
    await until(() => held.length === 2, 'two more requests');
    for (const answer of held.splice(0)) answer();
    await Promise.all(again);
    assert.equal(remoting.inflightCount, 0);
  });

  it('permits are released on timeout and unsubscribe too', async () => {
    const server = await serve(() => null);
    const remoting = client({ clientAsyncSemaphoreValue: 1 });
    await rejectsWithCode(remoting.invoke(server.address, createRequest(1), 30, { async: true }), 'RMQ_ERR_REMOTING_TIMEOUT');
    remoting.invoke$(server.address, createRequest(1), 5000, { async: true }).subscribe().unsubscribe();
    await rejectsWithCode(remoting.invoke(server.address, createRequest(1), 30, { async: true }), 'RMQ_ERR_REMOTING_TIMEOUT');
  });

  it('concurrent first calls share one connection', async () => {
    const server = await serve(echo);
    const remoting = client();
    await Promise.all(Array.from({ length: 20 }, () => remoting.invoke(server.address, createRequest(1), 3000)));
    assert.equal(server.connections.size, 1);
  });

  it('re-creates the connection after it closed', async () => {
    const server = await serve(echo);
    const remoting = client();
    await remoting.invoke(server.address, createRequest(1), 3000);
    const [first] = [...server.connections];
    first!.destroy();
    const channels = (remoting as unknown as { channels: Map<string, unknown> }).channels;
    await until(() => channels.size === 0 && server.connections.size === 0, 'the close');
    const response = await remoting.invoke(server.address, createRequest(2), 3000);
    assert.equal(response.extFields?.code, '2');
    assert.equal(server.connections.size, 1);
    assert.notEqual([...server.connections][0], first);
    remoting.closeConnection(server.address);
    assert.equal((await remoting.invoke(server.address, createRequest(3), 3000)).extFields?.code, '3');
  });

  it('invokeOneway sets the oneway bit, settles once written and is never answered', async () => {
    const seen: RemotingCommand[] = [];
    const server = await serve((request) => {
      seen.push(request);
      return createResponse(request, ResponseCode.SUCCESS);
    });
    const remoting = client({ clientOnewaySemaphoreValue: 1 });
    await remoting.invokeOneway(server.address, createRequest(37, { a: 'b' }), 3000);
    await remoting.invokeOneway(server.address, createRequest(37, { a: 'c' }), 3000);
    await until(() => seen.length === 2, 'the oneway requests');
    assert.ok(seen.every(isOneway));
    assert.equal(remoting.inflightCount, 0);
  });

  it('runs RPC hooks around every invoke; a throwing hook fails the request with its error', async () => {
    const seen: RemotingCommand[] = [];
    const server = await serve((request) => {
      seen.push(request);
      return createResponse(request, ResponseCode.SUCCESS);
    });
    const calls: string[] = [];
    const signer: RPCHook = {
      doBeforeRequest: (addr, request) => {
        calls.push(`before ${addr}`);
        request.extFields = { ...request.extFields, Signature: 'sig' };
      },
      doAfterResponse: (_addr, request, response) => calls.push(`after ${request.opaque === response.opaque}`),
    };
    const remoting = client({ rpcHooks: [signer] });
    await remoting.invoke(server.address, createRequest(1, { topic: 't' }), 3000);
    assert.deepEqual(seen[0]!.extFields, { topic: 't', Signature: 'sig' });
    assert.deepEqual(calls, [`before ${server.address}`, 'after true']);

    const boom = new Error('hook says no');
    remoting.addRPCHook({
      doBeforeRequest: (_addr, request) => {
        if (request.code === 2) throw boom;
      },
      doAfterResponse: (_addr, request) => {
        if (request.code === 3) throw boom;
      },
    });
    await assert.rejects(remoting.invoke(server.address, createRequest(2), 3000), (error) => error === boom);
    await assert.rejects(remoting.invoke(server.address, createRequest(3), 3000), (error) => error === boom);
    await assert.rejects(remoting.invokeOneway(server.address, createRequest(2), 3000), (error) => error === boom);
    await sleep(10);
    assert.deepEqual(
      seen.map((request) => request.code),
      [1, 3],
      'a request whose before-hook threw is never written',
    );
    assert.equal(remoting.inflightCount, 0);
  });

  it('delivers server requests on serverRequests$ and writes the answers; oneway ones cannot be answered', async () => {
    const answers: RemotingCommand[] = [];
    let connection: ServerConnection | null = null;
    const server = new RemotingServer(
      (request, c) => {
        connection = c;
        return createResponse(request, ResponseCode.SUCCESS);
      },
      { onResponse: (response) => answers.push(response) },
    );
    await server.listen(0);
    servers.push(server);
    const remoting = client();
    const received: RemotingCommand[] = [];
    remoting.serverRequests$.subscribe(({ request, respond, address }) => {
      assert.equal(address, server.address);
      received.push(request);
      respond(createResponse(request, ResponseCode.SUCCESS, { remark: `answer ${request.code}` }));
      respond(createResponse(request, ResponseCode.SYSTEM_ERROR));
    });
    await remoting.invoke(server.address, createRequest(1), 3000);
    connection!.write(createRequest(39, { tranStateTableOffset: '7' }, { oneway: true, opaque: 501 }));
    connection!.write(createRequest(326, null, { opaque: 502 }));
    await until(() => answers.length === 1 && received.length === 2, 'the server requests and the answer');
    await sleep(10);
    assert.deepEqual(
      received.map((r) => r.code),
      [39, 326],
    );
    assert.equal(answers.length, 1);
    assert.equal(answers[0]!.opaque, 502);
    assert.equal(answers[0]!.remark, 'answer 326');
  });

  it('answers server requests REQUEST_CODE_NOT_SUPPORTED when nobody subscribes (never oneway ones)', async () => {
    const answers: RemotingCommand[] = [];
    let connection: ServerConnection | null = null;
    const server = new RemotingServer(
      (request, c) => {
        connection = c;
        return createResponse(request, ResponseCode.SUCCESS);
      },
      { onResponse: (response) => answers.push(response) },
    );
    await server.listen(0);
    servers.push(server);
    const remoting = client();
    await remoting.invoke(server.address, createRequest(1), 3000);
    connection!.write(createRequest(39, null, { oneway: true, opaque: 600 }));
    connection!.write(createRequest(999, null, { opaque: 601 }));
    await until(() => answers.length === 1, 'the answer');
    await sleep(10);
    assert.equal(answers.length, 1);
    assert.equal(answers[0]!.opaque, 601);
    assert.equal(answers[0]!.code, ResponseCode.REQUEST_CODE_NOT_SUPPORTED);
    assert.equal(answers[0]!.remark, ' request type 999 not supported');
  });

  it('an unknown server request is answered REQUEST_CODE_NOT_SUPPORTED even while serverRequests$ is observed; handleRequests overrides that', async () => {
    const answers: RemotingCommand[] = [];
    let connection: ServerConnection | null = null;
    const server = new RemotingServer(
      (request, c) => {
        connection = c;
        return createResponse(request, ResponseCode.SUCCESS);
      },
      { onResponse: (response) => answers.push(response) },
    );
    await server.listen(0);
    servers.push(server);
    const remoting = client();
    const observed: number[] = [];
    remoting.serverRequests$.subscribe(({ request }) => observed.push(request.code));
    await remoting.invoke(server.address, createRequest(1), 3000);
    // No handler: the Java client's answer, whoever watches the stream.
    connection!.write(createRequest(998, null, { opaque: 701 }));
    await until(() => answers.length === 1, 'the default answer');
    assert.equal(answers[0]!.code, ResponseCode.REQUEST_CODE_NOT_SUPPORTED);
    assert.equal(answers[0]!.remark, ' request type 998 not supported');
    // A handler answers instead, also later; the default answer is not written.
    const remove = remoting.handleRequests(998, ({ request, respond }) => {
      setTimeout(() => respond(createResponse(request, ResponseCode.SUCCESS, { remark: 'handled' })), 20);
    });
    connection!.write(createRequest(998, null, { opaque: 702 }));
    await until(() => answers.length === 2, 'the handler answer');
    await sleep(40);
    assert.equal(answers.length, 2);
    assert.deepEqual([answers[1]!.opaque, answers[1]!.code, answers[1]!.remark], [702, ResponseCode.SUCCESS, 'handled']);
    // A throwing handler is answered SYSTEM_ERROR; a removed one gives the default back.
    remoting.handleRequests(997, () => {
      throw new Error('handler bug');
    });
    connection!.write(createRequest(997, null, { opaque: 703 }));
    remove();
    connection!.write(createRequest(998, null, { opaque: 704 }));
    await until(() => answers.length === 4, 'two more answers');
    assert.deepEqual(
      answers.slice(2).map((a) => [a.opaque, a.code]),
      [
        [703, ResponseCode.SYSTEM_ERROR],
        [704, ResponseCode.REQUEST_CODE_NOT_SUPPORTED],
      ],
    );
    assert.deepEqual(observed, [998, 998, 997, 998], 'serverRequests$ sees every request, handled or not');
  });

  it('close() fails pending requests at once and refuses new ones', async () => {
    const server = await serve(() => null);
    const remoting = new RemotingClient();
    const pending = remoting.invoke(server.address, createRequest(1), 60_000);
    await until(() => server.connections.size === 1, 'the connection');
    const closed = remoting.close();
    await rejectsWithCode(pending, 'RMQ_ERR_REMOTING_SEND_REQUEST');
    await closed;
    await rejectsWithCode(remoting.invoke(server.address, createRequest(1), 1000), 'RMQ_ERR_REMOTING_CONNECT');
    assert.equal(remoting.inflightCount, 0);
  });

  it('backpressure: with the server paused, writes queue in the client and complete after resume', async () => {
    const server = await serve(echo);
    const remoting = client();
    await remoting.invoke(server.address, createRequest(1), 3000);
    const [connection] = [...server.connections];
    connection!.pause();
    const body = Buffer.alloc(256 * 1024, 7);
    const count = 200; // 50 MiB: far more than the socket buffers hold
    let done = 0;
    const pending = Array.from({ length: count }, () =>
      remoting.invoke(server.address, createRequest(2, null, { body }), 60_000).then((response) => {
        done++;
        return response.body?.length;
      }),
    );
    await sleep(200);
    assert.equal(done, 0);
    const channel = (remoting as unknown as { channels: Map<string, { connection: Connection }> })
      .channels.get(server.address)!.connection;
    assert.equal(channel.writeBlocked, true, 'the client waits for drain');
    assert.ok(channel.queuedBytes > 0, 'frames wait in the client queue');
    assert.ok(
      channel.socketBufferedBytes < count * body.length / 2,
      `the socket buffer does not take everything (${channel.socketBufferedBytes} bytes)`,
    );
    connection!.resume();
    const lengths = await Promise.all(pending);
    assert.ok(lengths.every((length) => length === body.length));
    assert.equal(remoting.inflightCount, 0);
  });

  it('invoke$ with a plain observer: next then complete, added teardowns run, unsubscribing cancels', async () => {
    const server = await serve(echo);
    const remoting = client();
    const events: string[] = [];
    const subscription = remoting.invoke$(server.address, createRequest(11), 3000).subscribe({
      next: (response) => events.push(`next ${response.extFields?.code}`),
      error: () => events.push('error'),
      complete: () => events.push('complete'),
    });
    subscription.add(() => events.push('teardown'));
    assert.equal(subscription.closed, false);
    await until(() => subscription.closed, 'the response');
    assert.deepEqual(events, ['next 11', 'complete', 'teardown']);
    assert.equal(remoting.inflightCount, 0);

    // Unsubscribed before the response: nothing is delivered, the entry and its permit are gone.
    const silent = await serve(() => null);
    const quiet: string[] = [];
    const pending = remoting.invoke$(silent.address, createRequest(12), 3000, { async: true }).subscribe({
      next: () => quiet.push('next'),
      error: () => quiet.push('error'),
    });
    await until(() => silent.connections.size === 1, 'the connection');
    pending.unsubscribe();
    assert.equal(remoting.inflightCount, 0);
    assert.equal(remoting.permitStats().async.available, remoting.permitStats().async.total);
    await sleep(20);
    assert.deepEqual(quiet, []);
  });

  it('invoke$: an observer callback that throws is reported through config.onUnhandledError; the client goes on', async () => {
    const server = await serve(echo);
    const remoting = client();
    const reported: unknown[] = [];
    const previous = config.onUnhandledError;
    config.onUnhandledError = (error) => reported.push(error);
    try {
      const boom = new Error('observer failed');
      let completed = false;
      remoting.invoke$(server.address, createRequest(13), 3000).subscribe({
        next: () => {
          throw boom;
        },
        complete: () => (completed = true),
      });
      // An error with no error callback is reported too.
      remoting.invoke$('127.0.0.1:1', createRequest(14), 3000).subscribe({ next: () => undefined });
      await until(() => reported.length === 2, 'the reports');
      assert.ok(completed, 'complete still follows a throwing next, as with RxJS subscribers');
      assert.ok(reported.includes(boom));
      assert.ok(reported.some((error) => (error as RocketMQError).code === 'RMQ_ERR_REMOTING_CONNECT'));
      const response = await remoting.invoke(server.address, createRequest(15), 3000);
      assert.equal(response.extFields?.code, '15');
    } finally {
      config.onUnhandledError = previous;
    }
  });

  it('invoke$ works with function subscribers and operators; invokeWith reports to an observer without an Observable', async () => {
    const server = await serve(echo);
    const remoting = client();
    const viaFunction = await new Promise<string | undefined>((resolve, reject) => {
      remoting.invoke$(server.address, createRequest(21), 3000).subscribe((response) => resolve(response.extFields?.code), reject);
    });
    assert.equal(viaFunction, '21');
    const viaPipe = await firstValueFrom(remoting.invoke$(server.address, createRequest(22), 3000).pipe(map((response) => response.extFields?.code)));
    assert.equal(viaPipe, '22');

    const events: string[] = [];
    await new Promise<void>((resolve) => {
      remoting.invokeWith(server.address, createRequest(23), 3000, { async: true }, {
        next: (response) => events.push(`next ${response.extFields?.code}`),
        error: (error) => events.push(`error ${(error as RocketMQError).code}`),
        complete: () => {
          events.push('complete');
          resolve();
        },
      });
    });
    assert.deepEqual(events, ['next 23', 'complete']);
    const silent = await serve(() => null);
    const cancelled = remoting.invokeWith(silent.address, createRequest(24), 3000, { async: true }, {
      next: () => events.push('late next'),
      error: () => events.push('late error'),
      complete: () => events.push('late complete'),
    });
    await until(() => silent.connections.size === 1, 'the connection');
    cancelled.unsubscribe();
    assert.equal(remoting.inflightCount, 0);
    assert.equal(remoting.permitStats().async.available, remoting.permitStats().async.total);
    const failed = await new Promise<unknown>((resolve) => {
      remoting.invokeWith(server.address, createRequest(25), -1, undefined, { next: () => undefined, error: resolve, complete: () => undefined });
    });
    assert.ok(failed instanceof RangeError);
    assert.deepEqual(events, ['next 23', 'complete']);
  });

  it('emits through invoke$ for several subscribers of the same request with distinct opaques', async () => {
    const server = await serve(echo);
    const remoting = client();
    const request = createRequest(5);
    const call$ = remoting.invoke$(server.address, request, 3000);
    const [a, b] = await Promise.all([firstValueFrom(call$), firstValueFrom(call$)]);
    assert.equal(a.code, ResponseCode.SUCCESS);
    assert.equal(b.code, ResponseCode.SUCCESS);
    assert.notEqual(a.opaque, b.opaque);
  });
});

describe('RemotingClient: processors for server requests, peer versions', () => {
  it('a handler answers the requests of its code (serverRequests$ still observes them); a throw is answered SYSTEM_ERROR; peerVersion', async () => {
    const responses: RemotingCommand[] = [];
    let peer: ServerConnection | null = null;
    const server = new RemotingServer(
      (request, connection) => {
        peer = connection;
        return createResponse(request, ResponseCode.SUCCESS, { version: 479 });
      },
      { onResponse: (response) => void responses.push(response) },
    );
    await server.listen(0);
    const client = new RemotingClient();
    try {
      assert.equal(client.peerVersion(server.address), null, 'no response yet');
      await client.invoke(server.address, createRequest(34), 3000);
      assert.equal(client.peerVersion(server.address), 479);
      const seenByStream: number[] = [];
      const subscription = client.serverRequests$.subscribe((incoming) => {
        seenByStream.push(incoming.request.code);
        incoming.respond(createResponse(incoming.request, ResponseCode.SUCCESS));
      });
      const remove326 = client.handleRequests(326, (incoming) =>
        incoming.respond(createResponse(incoming.request, ResponseCode.SUCCESS, { remark: 'mine' })),
      );
      client.handleRequests(327, () => {
        throw new Error('broken processor');
      });
      peer!.write(createRequest(326, null, { opaque: 9001 }));
      peer!.write(createRequest(327, null, { opaque: 9002 }));
      peer!.write(createRequest(40, null, { opaque: 9003 }));
      await until(() => responses.length === 3, 'three answers');
      const byOpaque = new Map(responses.map((r) => [r.opaque, r]));
      assert.equal(byOpaque.get(9001)!.remark, 'mine');
      assert.equal(byOpaque.get(9002)!.code, ResponseCode.SYSTEM_ERROR);
      assert.equal(byOpaque.get(9002)!.remark, 'broken processor');
      assert.deepEqual(seenByStream, [326, 327, 40], 'serverRequests$ observes handled requests too; the handler answered first');
      remove326();
      peer!.write(createRequest(326, null, { opaque: 9004 }));
      await until(() => responses.length === 4, 'the fourth answer');
      assert.equal(responses[3]!.remark, null, 'without its handler, 326 is answered by the stream subscriber');
      subscription.unsubscribe();
    } finally {
      await client.close();
      await server.close();
    }
  });
});
