import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { firstValueFrom, filter } from 'rxjs';
import { EmbeddedCluster } from '../../src/embedded/index.js';
import { decodeProperties } from '../../src/message/properties.js';
import { decodeStoredMessage } from '../../src/message/stored-message.js';
import { RemotingClient } from '../../src/remoting/remoting-client.js';
import { createRequest, createResponse } from '../../src/remoting/remoting-command.js';
import { RequestCode } from '../../src/remoting/request-code.js';
import { ResponseCode } from '../../src/remoting/response-code.js';
import { eventually, sendV2 } from './wire-helpers.js';

function heartbeat(clientID: string, group: string) {
  return createRequest(RequestCode.HEART_BEAT, null, {
    body: Buffer.from(JSON.stringify({ clientID, producerDataSet: [{ groupName: group }], consumerDataSet: [] })),
  });
}

describe('broker → client requests', () => {
  let cluster: EmbeddedCluster;
  before(async () => {
    cluster = await EmbeddedCluster.start({ brokers: 1 });
  });
  after(() => cluster.stop());

  it('SEND_REPLY_MESSAGE_V2 is pushed to the requester (PUSH_REPLY_MESSAGE_TO_CLIENT) and acknowledged', async () => {
    const broker = cluster.brokers[0]!;
    const requester = new RemotingClient();
    const responder = new RemotingClient();
    try {
      await requester.invoke(broker.address, heartbeat('requester-1', 'RequestGroup'), 3000);
      const pushed = firstValueFrom(requester.serverRequests$.pipe(filter((r) => r.request.code === RequestCode.PUSH_REPLY_MESSAGE_TO_CLIENT)));
      requester.handleRequests(RequestCode.PUSH_REPLY_MESSAGE_TO_CLIENT, (incoming) => {
        // Answered later, as a handler may.
        void Promise.resolve().then(() => incoming.respond(createResponse(incoming.request, ResponseCode.SUCCESS)));
      });
      const props = 'CORRELATION_ID\x01corr-1\x02REPLY_TO_CLIENT\x01requester-1\x02TTL\x013000\x02MSG_TYPE\x01reply';
      const reply = { ...sendV2('DefaultCluster_REPLY_TOPIC', 0, 'the answer', props), code: RequestCode.SEND_REPLY_MESSAGE_V2 };
      const response = await responder.invoke(broker.address, reply, 3000);
      assert.equal(response.code, ResponseCode.SUCCESS);
      // The reply is stored after the push; the answer names the stored record (as the 4.9.8 capture shows).
      const [storedReply] = broker.messages({ topic: 'DefaultCluster_REPLY_TOPIC' });
      assert.equal(response.extFields!.msgId, storedReply!.msgId);
      assert.equal(response.extFields!.queueOffset, String(storedReply!.queueOffset));
      const incoming = await pushed;
      assert.equal(incoming.request.body!.toString(), 'the answer');
      assert.equal(incoming.request.extFields!.topic, 'DefaultCluster_REPLY_TOPIC');
      assert.equal(incoming.request.extFields!.storeHost, broker.address);
      const pushedProps = decodeProperties(incoming.request.extFields!.properties!);
      assert.equal(pushedProps.CORRELATION_ID, 'corr-1');
      assert.match(pushedProps.PUSH_REPLY_TIME!, /^\d+$/);
      assert.equal(broker.messages({ topic: 'DefaultCluster_REPLY_TOPIC' }).length, 1, 'the reply is stored too');

      const orphan = { ...sendV2('DefaultCluster_REPLY_TOPIC', 0, 'x', 'REPLY_TO_CLIENT\x01nobody'), code: RequestCode.SEND_REPLY_MESSAGE_V2 };
      const failed = await responder.invoke(broker.address, orphan, 3000);
      assert.equal(failed.code, ResponseCode.SYSTEM_ERROR);
      assert.equal(failed.remark, 'push reply message fail, channel of <nobody> not found.');
    } finally {
      await requester.close();
      await responder.close();
    }
  });

  it('checkTransactionState pushes CHECK_TRANSACTION_STATE with the §11 record of the half message', async () => {
    const broker = cluster.brokers[0]!;
    const producer = new RemotingClient();
    try {
      await producer.invoke(broker.address, heartbeat('tx-producer', 'TxGroup'), 3000);
      const props = 'TRAN_MSG\x01true\x02PGROUP\x01TxGroup\x02UNIQ_KEY\x01C0A8000230391B6D358647B760000042';
      const half = await producer.invoke(broker.address, sendV2('TxTopic', 1, 'half', props, { f: '4' }), 3000);
      assert.equal(half.code, ResponseCode.SUCCESS);
      const [parked] = broker.messages({ topic: 'RMQ_SYS_TRANS_HALF_TOPIC' });
      const check = firstValueFrom(producer.serverRequests$.pipe(filter((r) => r.request.code === RequestCode.CHECK_TRANSACTION_STATE)));
      assert.equal(broker.checkTransactionState(parked!.commitLogOffset), true);
      const incoming = await check;
      assert.equal(incoming.request.flag & 2, 2, 'oneway');
      assert.equal(incoming.request.extFields!.msgId, 'C0A8000230391B6D358647B760000042');
      // The broker re-puts the half message before checking; the check names that copy (TransactionalMessageServiceImpl).
      const copy = broker.messages({ topic: 'RMQ_SYS_TRANS_HALF_TOPIC' }).at(-1)!;
      assert.notEqual(copy.commitLogOffset, parked!.commitLogOffset);
      assert.equal(half.extFields!.msgId, parked!.msgId);
      assert.equal(incoming.request.extFields!.offsetMsgId, copy.msgId);
      assert.equal(incoming.request.extFields!.commitLogOffset, String(copy.commitLogOffset));
      assert.equal(copy.properties.TRANSACTION_CHECK_TIMES, '1');
      const record = decodeStoredMessage(incoming.request.body!);
      assert.equal(Buffer.from(record.body).toString(), 'half');
      // Java answers a check with END_TRANSACTION (oneway); the broker records it and commits the message.
      await producer.invokeOneway(
        broker.address,
        createRequest(
          RequestCode.END_TRANSACTION,
          {
            producerGroup: 'TxGroup',
            tranStateTableOffset: incoming.request.extFields!.tranStateTableOffset!,
            commitLogOffset: incoming.request.extFields!.commitLogOffset!,
            commitOrRollback: '8',
            fromTransactionCheck: 'true',
            msgId: 'C0A8000230391B6D358647B760000042',
            transactionId: incoming.request.extFields!.transactionId!,
          },
          { oneway: true },
        ),
        3000,
      );
      await eventually(() => broker.endTransactions.length > 0);
      assert.equal(broker.endTransactions.at(-1)!.fromTransactionCheck, true);
      const committed = broker.messages({ topic: 'TxTopic' });
      assert.equal(committed.length, 1);
      assert.equal(committed[0]!.queueId, 1);
    } finally {
      await producer.close();
    }
  });
});
