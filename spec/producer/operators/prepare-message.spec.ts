import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { firstValueFrom, of } from 'rxjs';
import { decodeProperties } from '../../../src/message/properties.js';
import type { Message } from '../../../src/message/message.js';
import { prepareMessage } from '../../../src/producer/operators/prepare-message.js';
import { validate } from '../../../src/producer/operators/validate.js';
import { createSendContext } from '../../../src/producer/send-context.js';
import { UNIQ } from '../context-fixture.js';

async function prep(message: Message, namespace: string | null = null) {
  const c = createSendContext(message, 'sync', 0, 3000);
  return firstValueFrom(
    of(c).pipe(
      validate({ state: () => 'RUNNING', maxMessageSize: 4 * 1024 * 1024 }),
      prepareMessage({ namespace, createUniqueId: () => UNIQ }),
    ),
  );
}

describe('prepareMessage', () => {
  it('writes the properties of spec §16(b) in Java order, with the unique id', async () => {
    const c = await prep({ topic: 'TopicTest', tags: 'TagA', keys: ['OrderID188'], body: 'Hello' });
    assert.equal(c.properties, `KEYS\u0001OrderID188\u0002UNIQ_KEY\u0001${UNIQ}\u0002WAIT\u0001true\u0002TAGS\u0001TagA`);
    assert.equal(c.uniqueId, UNIQ);
    assert.deepEqual(c.body, Buffer.from('Hello'));
    assert.equal(c.topic, 'TopicTest');
  });

  it('joins keys with a space, carries user properties, DELAY, WAIT=false and the msgpack content type', async () => {
    const c = await prep({ topic: 'T', body: { a: 1 }, keys: ['k1', 'k2'], properties: { color: 'red' }, delayTimeLevel: 3, waitStoreMsgOK: false });
    const props = decodeProperties(c.properties);
    assert.equal(props['KEYS'], 'k1 k2');
    assert.equal(props['color'], 'red');
    assert.equal(props['DELAY'], '3');
    assert.equal(props['WAIT'], 'false');
    assert.equal(props['CONTENT_TYPE'], 'application/x-msgpack');
    assert.equal(c.msgType, 'Delay_Msg');
  });

  it('applies the namespace to the topic and sends it as INSTANCE_ID', async () => {
    const c = await prep({ topic: 'T', body: 'x' }, 'ns');
    assert.equal(c.topic, 'ns%T');
    assert.equal(decodeProperties(c.properties)['INSTANCE_ID'], 'ns');
  });

  it('never mutates the caller message', async () => {
    const message: Message = Object.freeze({ topic: 'T', body: 'x', keys: Object.freeze(['a']) as string[], properties: Object.freeze({ p: 'v' }) });
    await prep(message, 'ns');
    assert.deepEqual(message, { topic: 'T', body: 'x', keys: ['a'], properties: { p: 'v' } });
  });
});
