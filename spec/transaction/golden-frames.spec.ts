/**
 * Byte identity with the frames a real 4.9.8 broker and the real Java 4.9.8 client exchanged (spec/fixtures/
 * rocketmq-4.9.8/tx-reply): what our producer writes (half sends, END_TRANSACTION in every form, the request,
 * SEND_REPLY_MESSAGE_V2, the answer to PUSH_REPLY_MESSAGE_TO_CLIENT), what it reads (the golden CHECK and PUSH
 * frames), and what the embedded broker writes (CHECK_TRANSACTION_STATE, PUSH_REPLY_MESSAGE_TO_CLIENT). Only the
 * opaque, timestamps, ids, ports and commit-log offsets are normalised (set to the golden values) before comparing.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import diagnosticsChannel from 'node:diagnostics_channel';
import { firstValueFrom, filter, tap } from 'rxjs';
import { EmbeddedCluster } from '../../src/embedded/index.js';
import type { MessageExt } from '../../src/message/message-ext.js';
import { decodeProperties } from '../../src/message/properties.js';
import { decodeStoredMessage, decodeStoredMessages, encodeStoredMessage } from '../../src/message/stored-message.js';
import { Producer } from '../../src/producer/producer.js';
import { decodeFrame, encodeFrame } from '../../src/remoting/frame-codec.js';
import { jsonHeaderText } from '../../src/remoting/header-codec.js';
import { RemotingClient } from '../../src/remoting/remoting-client.js';
import { createResponse, type RemotingCommand } from '../../src/remoting/remoting-command.js';
import { RemotingServer, type ServerConnection } from '../../src/remoting/remoting-server.js';
import { serializeTopicRouteData } from '../../src/route/topic-route.js';
import { createReplyMessage } from '../../src/request-reply/reply-message.js';
import type { ReplyDroppedEvent } from '../../src/request-reply/diagnostics.js';
import type { LocalTransactionState } from '../../src/transaction/transaction-listener.js';
import { goldenFile } from '../helpers/golden.js';

const frame = (name: string): Buffer => goldenFile(`tx-reply/${name}.frame.bin`);
const golden = (name: string): RemotingCommand => decodeFrame(frame(name));
const headerText = (name: string): string => goldenFile(`tx-reply/${name}.header.json`).toString('utf8');

async function eventually(check: () => boolean, timeoutMillis = 3000): Promise<void> {
  const deadline = Date.now() + timeoutMillis;
  while (!check()) {
    if (Date.now() > deadline) throw new Error('condition not met in time');
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}

/** A properties string with some values replaced (same positions, so the order stays what we wrote). */
function withProperty(text: string, replacements: Record<string, string>): string {
  return text
    .split('\u0002')
    .map((entry) => {
      const at = entry.indexOf('\u0001');
      const name = entry.slice(0, at);
      return name in replacements ? `${name}\u0001${replacements[name]}` : entry;
    })
    .join('\u0002');
}

/** The value of one property in a properties string. */
function propertyOf(text: string, name: string): string {
  const value = decodeProperties(text)[name];
  assert.ok(value !== undefined, `${name} present`);
  return value;
}

/** A stand-in NameServer + broker on one port that records what the producer writes. */
async function standIn(
  topics: Record<string, number>,
  answer: (request: RemotingCommand, connection: ServerConnection) => RemotingCommand | null,
): Promise<{ server: RemotingServer; captured: RemotingCommand[]; responses: RemotingCommand[]; connections: ServerConnection[] }> {
  const captured: RemotingCommand[] = [];
  const responses: RemotingCommand[] = [];
  const connections: ServerConnection[] = [];
  const server: RemotingServer = new RemotingServer(
    (request, connection) => {
      captured.push(request);
      if (!connections.includes(connection)) connections.push(connection);
      if (request.code === 105) {
        const queues = topics[request.extFields!.topic!] ?? 4;
        const route = {
          brokerDatas: [{ cluster: 'DefaultCluster', brokerName: 'broker-a', brokerAddrs: { '0': server.address } }],
          queueDatas: [{ brokerName: 'broker-a', perm: 6, readQueueNums: queues, writeQueueNums: queues, topicSysFlag: 0 }],
          filterServerTable: {},
        };
        return createResponse(request, 0, { body: Buffer.from(serializeTopicRouteData(route)) });
      }
      return answer(request, connection);
    },
    { onResponse: (response) => void responses.push(response) },
  );
  await server.listen(0);
  return { server, captured, responses, connections };
}

describe('golden tx-reply frames: what our producer writes and reads (transactions)', () => {
  let stand: Awaited<ReturnType<typeof standIn>>;
  let producer: Producer;
  const checked: MessageExt[] = [];
  const halfResponses: Record<string, string> = { commit: 'tx_half_send', rollback: 'tx_half_send_rollback', unknow: 'tx_half_send_unknow' };
  const states: Record<string, LocalTransactionState> = { commit: 'COMMIT_MESSAGE', rollback: 'ROLLBACK_MESSAGE', unknow: 'UNKNOW' };

  before(async () => {
    stand = await standIn({ GoldTxn: 4 }, (request) => {
      if (request.code === 310) {
        const kind = decodeProperties(request.extFields!.i!).txnKind!;
        return createResponse(request, 0, { extFields: golden(`${halfResponses[kind]}.response`).extFields });
      }
      if (request.code === 37) return null;
      return createResponse(request, 0);
    });
    producer = new Producer({
      producerGroup: 'GoldTxnPG',
      namesrvAddr: stand.server.address,
      clientIP: '192.0.2.2',
      instanceName: 'txncheck-15845',
      heartbeatBrokerInterval: 50,
      transactionListener: {
        executeLocalTransaction: (message) => states[message.properties!.txnKind!]!,
        checkLocalTransaction: (message) => {
          checked.push(message);
          return 'COMMIT_MESSAGE';
        },
      },
    });
    await producer.start();
  });
  after(async () => {
    await producer.shutdown();
    await stand.server.close();
  });

  for (const kind of ['commit', 'rollback', 'unknow'] as const) {
    it(`half send and END_TRANSACTION (${kind}) equal the golden frames`, async () => {
      const result = await producer.sendMessageInTransaction({
        topic: 'GoldTxn',
        tags: `txn-${kind}`,
        keys: `k-${kind}-mx4llzor`,
        properties: { txnKind: kind },
        body: `txn ${kind} mx4llzor`,
      });
      assert.equal(result.localTransactionState, states[kind]);
      const halfName = `${halfResponses[kind]}.request`;
      const goldenHalf = golden(halfName);
      const half = stand.captured.filter((c) => c.code === 310).at(-1)!;
      const goldenUniq = propertyOf(goldenHalf.extFields!.i!, 'UNIQ_KEY');
      assert.equal(propertyOf(half.extFields!.i!, 'UNIQ_KEY'), result.msgId);
      const normalisedHalf: RemotingCommand = {
        ...half,
        opaque: goldenHalf.opaque,
        extFields: {
          ...half.extFields!,
          e: goldenHalf.extFields!.e!,
          g: goldenHalf.extFields!.g!,
          i: withProperty(half.extFields!.i!, { UNIQ_KEY: goldenUniq }),
        },
      };
      assert.deepEqual(encodeFrame(normalisedHalf), frame(halfName), 'half send, byte for byte');

      await eventually(() => stand.captured.some((c) => c.code === 37 && c.extFields!.msgId === result.msgId));
      const end = stand.captured.find((c) => c.code === 37 && c.extFields!.msgId === result.msgId)!;
      const endName = `tx_end_${kind}.request`;
      const goldenEnd = golden(endName);
      const normalisedEnd = { ...end, opaque: goldenEnd.opaque, extFields: { ...end.extFields!, msgId: goldenEnd.extFields!.msgId! } };
      assert.equal(jsonHeaderText(normalisedEnd), headerText(endName));
      assert.deepEqual(encodeFrame(normalisedEnd), frame(endName), 'END_TRANSACTION, byte for byte');
    });
  }

  it('decodes the golden CHECK_TRANSACTION_STATE and answers with the golden END_TRANSACTION (only the opaque differs)', async () => {
    await eventually(() => stand.captured.some((c) => c.code === 34));
    const connection = stand.connections.at(-1)!;
    connection.writeRaw(frame('tx_check.request'));
    await eventually(() => stand.captured.some((c) => c.code === 37 && c.extFields!.fromTransactionCheck === 'true'));
    const end = stand.captured.find((c) => c.code === 37 && c.extFields!.fromTransactionCheck === 'true')!;
    const goldenEnd = golden('tx_end_from_check.request');
    assert.deepEqual(encodeFrame({ ...end, opaque: goldenEnd.opaque }), frame('tx_end_from_check.request'));
    const message = checked[0]!;
    assert.equal(message.topic, 'GoldTxn');
    assert.equal(message.transactionId, 'C00002023DE55FFD2B270268504B0002');
    assert.equal(message.queueId, 3);
    assert.equal(message.queueOffset, 15);
    assert.equal(message.commitLogOffset, 663436999);
    assert.equal(message.offsetMsgId, '7F00000100002A9F00000000278B3EC7');
    assert.equal(message.bornHost, '127.0.0.1:56138');
    assert.equal(message.properties.TRANSACTION_CHECK_TIMES, '1');
    assert.equal(message.properties.txnKind, 'unknow');
    assert.equal(message.body.toString(), 'txn unknow mx4llzor');
    // A check is never answered with a response.
    assert.equal(stand.responses.length, 0);
  });
});

describe('golden tx-reply frames: what our producer writes and reads (request/reply)', () => {
  let stand: Awaited<ReturnType<typeof standIn>>;
  let requester: Producer;
  let responder: Producer;

  before(async () => {
    stand = await standIn({ GoldReply: 4, DefaultCluster_REPLY_TOPIC: 1 }, (request) => {
      if (request.code === 310) return createResponse(request, 0, { extFields: golden('reply_request_send.response').extFields });
      if (request.code === 325) return createResponse(request, 0, { extFields: golden('reply_send_reply_v2.response').extFields });
      return createResponse(request, 0);
    });
    requester = new Producer({ producerGroup: 'GoldReqPG', namesrvAddr: stand.server.address, clientIP: '192.0.2.2', instanceName: 'requestcheck-16079' });
    responder = new Producer({ producerGroup: 'GoldReplyCG-replier', namesrvAddr: stand.server.address, clientIP: '192.0.2.2', instanceName: 'replier' });
    await requester.start();
    await responder.start();
  });
  after(async () => {
    await requester.shutdown();
    await responder.shutdown();
    await stand.server.close();
  });

  it('the request equals the golden SEND_MESSAGE_V2; our answer to the pushed reply equals the golden response', async () => {
    const body = goldenFile('tx-reply/reply_request_send.request.body.bin');
    const pending = requester.request(
      { topic: 'GoldReply', keys: 'rk0', tags: 'req', body },
      { timeout: 3000, queue: { topic: 'GoldReply', brokerName: 'broker-a', queueId: 3 } },
    );
    await eventually(() => stand.captured.some((c) => c.code === 310));
    // As Java's prepareSendRequest: route and heartbeat before the first request to a topic.
    const codes = stand.captured.map((c) => c.code);
    assert.ok(codes.indexOf(34) >= 0 && codes.indexOf(34) < codes.indexOf(310), `heartbeat before the request: ${codes.join(',')}`);
    const request = stand.captured.find((c) => c.code === 310)!;
    const goldenRequest = golden('reply_request_send.request');
    const correlationId = propertyOf(request.extFields!.i!, 'CORRELATION_ID');
    const normalised: RemotingCommand = {
      ...request,
      opaque: goldenRequest.opaque,
      extFields: {
        ...request.extFields!,
        g: goldenRequest.extFields!.g!,
        i: withProperty(request.extFields!.i!, {
          UNIQ_KEY: propertyOf(goldenRequest.extFields!.i!, 'UNIQ_KEY'),
          CORRELATION_ID: propertyOf(goldenRequest.extFields!.i!, 'CORRELATION_ID'),
        }),
      },
    };
    assert.deepEqual(encodeFrame(normalised), frame('reply_request_send.request'), 'request, byte for byte');

    // The broker pushes the golden reply, carrying our correlation id.
    const push = golden('reply_push_to_client.request');
    const ours = { ...push, extFields: { ...push.extFields!, properties: withProperty(push.extFields!.properties!, { CORRELATION_ID: correlationId }) } };
    stand.connections.find((c) => !c.closed)!.write(ours);
    const reply = await pending;
    assert.equal(reply.body.toString(), 'reply:ping-0-1796123603990');
    assert.equal(reply.correlationId, correlationId);
    assert.equal(reply.topic, 'DefaultCluster_REPLY_TOPIC');
    assert.equal(reply.bornHost, '127.0.0.1:40678');
    assert.equal(reply.storeTimestamp, 1796123604369);
    assert.equal(reply.properties.PUSH_REPLY_TIME, '1796123604370');
    await eventually(() => stand.responses.length === 1);
    assert.deepEqual(encodeFrame(stand.responses[0]!), frame('reply_push_to_client.response'), 'answer to 326, byte for byte');
  });

  it('the golden push itself (an unknown correlation id) is decoded, answered SUCCESS and dropped', async () => {
    const dropped: ReplyDroppedEvent[] = [];
    const listener = (event: unknown): void => void dropped.push(event as ReplyDroppedEvent);
    diagnosticsChannel.subscribe('rocketmq:request:replyDropped', listener);
    try {
      const before = stand.responses.length;
      stand.connections.find((c) => !c.closed)!.writeRaw(frame('reply_push_to_client.request'));
      await eventually(() => stand.responses.length === before + 1);
      assert.deepEqual(encodeFrame(stand.responses.at(-1)!), frame('reply_push_to_client.response'));
      await eventually(() => dropped.length === 1);
      assert.equal(dropped[0]!.correlationId, '677eac06-3b39-45da-9a04-8048b5869022');
      assert.equal(dropped[0]!.reason, 'unknownCorrelationId');
    } finally {
      diagnosticsChannel.unsubscribe('rocketmq:request:replyDropped', listener);
    }
  });

  it('createReplyMessage + send equal the golden SEND_REPLY_MESSAGE_V2', async () => {
    const [pulled] = decodeStoredMessages(goldenFile('tx-reply/reply_responder_pull.response.body.bin'));
    const request = { properties: decodeProperties(pulled!.properties) };
    const result = await responder.send(createReplyMessage(request, Buffer.from(`reply:${Buffer.from(pulled!.body).toString()}`)));
    assert.equal(result.offsetMsgId, '7F00000100002A9F00000000278B432C');
    const sent = stand.captured.find((c) => c.code === 325)!;
    const goldenReply = golden('reply_send_reply_v2.request');
    const normalised: RemotingCommand = {
      ...sent,
      opaque: goldenReply.opaque,
      extFields: {
        ...sent.extFields!,
        g: goldenReply.extFields!.g!,
        i: withProperty(sent.extFields!.i!, { UNIQ_KEY: propertyOf(goldenReply.extFields!.i!, 'UNIQ_KEY') }),
      },
    };
    assert.deepEqual(encodeFrame(normalised), frame('reply_send_reply_v2.request'), 'SEND_REPLY_MESSAGE_V2, byte for byte');
  });
});

describe('golden tx-reply frames: what the embedded broker writes', () => {
  let cluster: EmbeddedCluster;
  before(async () => {
    cluster = await EmbeddedCluster.start({ brokers: 1, transactionCheckInterval: 0 });
  });
  after(() => cluster.stop());

  it('CHECK_TRANSACTION_STATE equals the real broker’s (header and §11 body)', async () => {
    const broker = cluster.brokers[0]!;
    const client = new RemotingClient();
    try {
      // The Java producer's own frames: its heartbeat, then the UNKNOW half message.
      assert.equal((await client.invoke(broker.address, golden('tx_heartbeat.request'), 3000)).code, 0);
      const half = await client.invoke(broker.address, golden('tx_half_send_unknow.request'), 3000);
      assert.equal(half.code, 0);
      assert.equal(half.extFields!.queueId, '3');
      const check = firstValueFrom(client.serverRequests$.pipe(filter((r) => r.request.code === 39)));
      const parked = broker.messages({ topic: 'RMQ_SYS_TRANS_HALF_TOPIC' }).at(-1)!;
      assert.equal(broker.checkTransactionState(parked.commitLogOffset), true);
      const { request } = await check;
      const goldenCheck = golden('tx_check.request');
      const ours = decodeStoredMessage(request.body!);
      const theirs = decodeStoredMessage(goldenCheck.body!);
      // Normalise the store's own offsets, hosts and clock; the rest must be the real broker's bytes.
      const body = encodeStoredMessage({
        ...ours,
        queueOffset: theirs.queueOffset,
        commitLogOffset: theirs.commitLogOffset,
        bornHost: theirs.bornHost,
        storeHost: theirs.storeHost,
        storeTimestamp: theirs.storeTimestamp,
      });
      assert.equal(ours.properties, theirs.properties, 'properties in the real broker’s order');
      assert.deepEqual(body, goldenCheck.body, 'check body, byte for byte');
      const ext = request.extFields!;
      assert.equal(ext.commitLogOffset, String(ours.commitLogOffset));
      assert.equal(ext.tranStateTableOffset, String(ours.queueOffset));
      const normalised: RemotingCommand = {
        ...request,
        opaque: goldenCheck.opaque,
        body: goldenCheck.body,
        extFields: {
          ...ext,
          commitLogOffset: goldenCheck.extFields!.commitLogOffset!,
          tranStateTableOffset: goldenCheck.extFields!.tranStateTableOffset!,
          offsetMsgId: goldenCheck.extFields!.offsetMsgId!,
        },
      };
      assert.deepEqual(encodeFrame(normalised), frame('tx_check.request'), 'check frame, byte for byte');
    } finally {
      await client.close();
    }
  });

  it('PUSH_REPLY_MESSAGE_TO_CLIENT equals the real broker’s', async () => {
    const broker = cluster.brokers[0]!;
    const requester = new RemotingClient();
    const responder = new RemotingClient();
    try {
      assert.equal((await requester.invoke(broker.address, golden('reply_heartbeat.request'), 3000)).code, 0);
      // Answered while it is emitted: an unanswered server request gets REQUEST_CODE_NOT_SUPPORTED at once.
      const pushed = firstValueFrom(
        requester.serverRequests$.pipe(
          filter((r) => r.request.code === 326),
          tap((incoming) => incoming.respond(createResponse(incoming.request, 0))),
        ),
      );
      const sent = await responder.invoke(broker.address, golden('reply_send_reply_v2.request'), 3000);
      assert.equal(sent.code, 0);
      const { request } = await pushed;
      const goldenPush = golden('reply_push_to_client.request');
      const ext = request.extFields!;
      assert.match(ext.bornHost!, /^127\.0\.0\.1:\d+$/, 'the responder’s socket as the broker sees it');
      assert.equal(ext.storeHost, broker.address);
      const normalised: RemotingCommand = {
        ...request,
        opaque: goldenPush.opaque,
        extFields: {
          ...ext,
          storeTimestamp: goldenPush.extFields!.storeTimestamp!,
          bornHost: goldenPush.extFields!.bornHost!,
          storeHost: goldenPush.extFields!.storeHost!,
          properties: withProperty(ext.properties!, { PUSH_REPLY_TIME: propertyOf(goldenPush.extFields!.properties!, 'PUSH_REPLY_TIME') }),
        },
      };
      assert.deepEqual(encodeFrame(normalised), frame('reply_push_to_client.request'), 'push frame, byte for byte');
      // And the answer to the 325 names the stored reply.
      const stored = broker.messages({ topic: 'DefaultCluster_REPLY_TOPIC' }).at(-1)!;
      assert.equal(sent.extFields!.msgId, stored.msgId);
      assert.equal(stored.properties.PUSH_REPLY_TIME, undefined, 'stored with the properties as sent');
    } finally {
      await requester.close();
      await responder.close();
    }
  });
});
