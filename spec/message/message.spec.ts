import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { SendStatus, type Message, type SendResult } from '../../src/message/message.js';

describe('message types', () => {
  it('SendStatus has the four Java values, each equal to its name', () => {
    assert.deepEqual(Object.keys(SendStatus), ['SEND_OK', 'FLUSH_DISK_TIMEOUT', 'FLUSH_SLAVE_TIMEOUT', 'SLAVE_NOT_AVAILABLE']);
    for (const [key, value] of Object.entries(SendStatus)) assert.equal(key, value);
  });

  it('a message and a result can be written as the contract says', () => {
    const message: Message = { topic: 'TopicTest', tags: 'TagA', keys: ['OrderID188'], body: 'Hello', waitStoreMsgOK: true };
    const result: SendResult = {
      sendStatus: SendStatus.SEND_OK,
      msgId: 'C0A8000230391B6D358647B760000000',
      offsetMsgId: '7F00000100002A9F0000000000001234',
      messageQueue: { topic: message.topic, brokerName: 'broker-a', queueId: 2 },
      queueOffset: 7,
      regionId: 'DefaultRegion',
      traceOn: true,
    };
    assert.equal(result.transactionId, undefined);
  });
});
