import assert from 'node:assert/strict';
import { after, describe, it } from 'node:test';
import { encodeBatchBody } from '../../src/message/batch.js';
import { encodeProperties } from '../../src/message/properties.js';
import { RemotingClient } from '../../src/remoting/remoting-client.js';
import { RequestCode } from '../../src/remoting/request-code.js';
import { ResponseCode } from '../../src/remoting/response-code.js';
import { withEmbedded } from '../helpers/embedded.js';
import { sendV2 } from './wire-helpers.js';

describe('SEND_BATCH_MESSAGE over TCP', () => {
  const embedded = withEmbedded({ brokers: 1, queuesPerTopic: 4 });
  const client = new RemotingClient();
  after(() => client.close());

  it('stores each record of a batch encoded by the library, counts the request, answers comma-joined ids', async () => {
    const broker = embedded.cluster.brokers[0]!;
    const records = Array.from({ length: 5 }, (_, i) => ({
      body: Buffer.from(`batch-${i}`),
      flag: i,
      properties: encodeProperties({ UNIQ_KEY: `C0A8000230391B6D358647B76000000${i}`, TAGS: 'B', KEYS: `k${i}` }),
    }));
    const request = sendV2('BatchTopic', 2, '', 'WAIT\x01true', { m: 'true' });
    request.code = RequestCode.SEND_BATCH_MESSAGE;
    request.body = encodeBatchBody(records);
    const response = await client.invoke(broker.address, request, 3000);
    assert.equal(response.code, ResponseCode.SUCCESS);
    assert.equal(response.extFields!.queueOffset, '0');
    const ids = response.extFields!.msgId!.split(',');
    assert.equal(ids.length, 5);
    const stored = broker.messages({ topic: 'BatchTopic', queueId: 2 });
    assert.deepEqual(stored.map((m) => [m.body.toString(), m.flag, m.queueOffset, m.msgId, m.keys[0]]), records.map((r, i) => [`batch-${i}`, i, i, ids[i], `k${i}`]));
    assert.ok(stored.every((m) => m.properties.WAIT === 'true' && m.properties.CLUSTER === 'DefaultCluster'));
    assert.equal(broker.stats.count(RequestCode.SEND_BATCH_MESSAGE), 1);
  });
});
