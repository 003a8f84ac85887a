import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { MQClientError } from '../../src/errors.js';
import type { Message } from '../../src/message/message.js';
import {
  checkGroup,
  checkMessage,
  checkNotSystemTopic,
  checkPropertiesSize,
  checkTopic,
  checkUserProperty,
  MessageErrorCode,
} from '../../src/message/validators.js';

function throwsCode(fn: () => unknown, code: string, responseCode?: number): void {
  assert.throws(fn, (err: unknown) => {
    assert.ok(err instanceof MQClientError, String(err));
    assert.equal(err.code, code);
    if (responseCode !== undefined) assert.equal(err.responseCode, responseCode);
    assert.ok(err.message.length > 10);
    return true;
  });
}

const ok: Message = { topic: 'TopicTest', body: 'Hello' };

describe('validators: topic', () => {
  it('accepts legal topics, including %RETRY% / %DLQ% and | characters', () => {
    for (const topic of ['TopicTest', 'a', '%RETRY%group', '%DLQ%g', 'a|b', 'a-b_c', 't'.repeat(127)]) checkTopic(topic);
  });
  it('blank topic', () => {
    for (const topic of ['', '   ', undefined as unknown as string]) throwsCode(() => checkTopic(topic), 'RMQ_ERR_BLANK_TOPIC', -1);
  });
  it('topic longer than 127', () => throwsCode(() => checkTopic('t'.repeat(128)), 'RMQ_ERR_TOPIC_TOO_LONG', -1));
  it('topic with illegal characters', () => {
    for (const topic of ['Topic Test', 'a.b', 'a/b', 'тема', 'a\u0001']) throwsCode(() => checkTopic(topic), 'RMQ_ERR_INVALID_TOPIC', -1);
  });
  it('system topics, including TBW102', () => {
    for (const topic of ['TBW102', 'SCHEDULE_TOPIC_XXXX', 'RMQ_SYS_TRANS_HALF_TOPIC', 'RMQ_SYS_TRANS_OP_HALF_TOPIC',
      'TRANS_CHECK_MAX_TIME_TOPIC', 'SELF_TEST_TOPIC', 'OFFSET_MOVED_EVENT']) {
      throwsCode(() => checkNotSystemTopic(topic), 'RMQ_ERR_SYSTEM_TOPIC');
      throwsCode(() => checkMessage({ ...ok, topic }), 'RMQ_ERR_SYSTEM_TOPIC');
    }
    checkNotSystemTopic('RMQ_SYS_TRACE_TOPIC'); // trace dispatchers send here
  });
});

describe('validators: group', () => {
  it('accepts legal groups up to 255 characters', () => {
    checkGroup('PG');
    checkGroup('g'.repeat(255));
  });
  it('blank group', () => throwsCode(() => checkGroup(' '), 'RMQ_ERR_BLANK_GROUP', -1));
  it('group longer than 255', () => throwsCode(() => checkGroup('g'.repeat(256)), 'RMQ_ERR_GROUP_TOO_LONG', -1));
  it('group with illegal characters', () => throwsCode(() => checkGroup('my group'), 'RMQ_ERR_INVALID_GROUP', -1));
});

describe('validators: message body', () => {
  it('returns the encoded body', () => {
    assert.deepEqual(checkMessage(ok), { bytes: Buffer.from('Hello'), contentType: null });
    assert.equal(checkMessage({ ...ok, body: { a: 1 } }).contentType, 'application/x-msgpack');
  });
  it('null message', () => throwsCode(() => checkMessage(null as unknown as Message), 'RMQ_ERR_NULL_MESSAGE', 13));
  it('null body', () => throwsCode(() => checkMessage({ ...ok, body: null as unknown as string }), 'RMQ_ERR_NULL_BODY', 13));
  it('body of an unsendable type', () => throwsCode(() => checkMessage({ ...ok, body: 42 as unknown as string }), 'RMQ_ERR_INVALID_BODY', 13));
  it('empty body', () => {
    for (const body of ['', Buffer.alloc(0), new Uint8Array(0)]) throwsCode(() => checkMessage({ ...ok, body }), 'RMQ_ERR_EMPTY_BODY', 13);
  });
  it('body over maxMessageSize (checked in bytes, before compression)', () => {
    checkMessage({ ...ok, body: Buffer.alloc(100) }, 100);
    throwsCode(() => checkMessage({ ...ok, body: Buffer.alloc(101) }, 100), 'RMQ_ERR_MESSAGE_TOO_LARGE', 13);
    throwsCode(() => checkMessage({ ...ok, body: 'é'.repeat(51) }, 100), 'RMQ_ERR_MESSAGE_TOO_LARGE', 13);
    throwsCode(() => checkMessage({ ...ok, body: Buffer.alloc(4 * 1024 * 1024 + 1) }), 'RMQ_ERR_MESSAGE_TOO_LARGE', 13);
  });
});

describe('validators: message fields', () => {
  it('tags with a separator', () => throwsCode(() => checkMessage({ ...ok, tags: 'a\u0002b' }), 'RMQ_ERR_INVALID_TAGS'));
  it('keys with a separator or not strings', () => {
    throwsCode(() => checkMessage({ ...ok, keys: 'k\u0001' }), 'RMQ_ERR_INVALID_KEYS');
    throwsCode(() => checkMessage({ ...ok, keys: ['ok', 1 as unknown as string] }), 'RMQ_ERR_INVALID_KEYS');
    checkMessage({ ...ok, tags: 'TagA', keys: ['a', 'b'] });
  });
  it('flag not an int32', () => {
    for (const flag of [1.5, 2 ** 31, NaN]) throwsCode(() => checkMessage({ ...ok, flag }), 'RMQ_ERR_INVALID_FLAG');
    checkMessage({ ...ok, flag: -(2 ** 31) });
  });
  it('delayTimeLevel negative or fractional', () => {
    for (const delayTimeLevel of [-1, 1.5]) throwsCode(() => checkMessage({ ...ok, delayTimeLevel }), 'RMQ_ERR_INVALID_DELAY_LEVEL');
    checkMessage({ ...ok, delayTimeLevel: 18 });
  });
});

describe('validators: properties', () => {
  it('accepts ordinary user properties', () => {
    checkUserProperty('CHECK_IMMUNITY_TIME_IN_SECONDS', '60');
    checkMessage({ ...ok, properties: { orderType: 'vip', CONTENT_TYPE: 'text/plain' } });
  });
  it('reserved names', () => {
    for (const name of ['KEYS', 'TAGS', 'WAIT', 'DELAY', 'UNIQ_KEY', 'TRAN_MSG', 'PGROUP', 'INSTANCE_ID', 'CLUSTER', 'MSG_REGION']) {
      throwsCode(() => checkUserProperty(name, 'x'), 'RMQ_ERR_RESERVED_PROPERTY');
    }
    throwsCode(() => checkMessage({ ...ok, properties: { TAGS: 'x' } }), 'RMQ_ERR_RESERVED_PROPERTY');
  });
  it('blank name or value (Java trim: everything <= U+0020 is blank)', () => {
    for (const [name, value] of [['', 'v'], ['n', ''], [' ', 'v'], ['n', ' \t'], ['n', '\u0001']]) {
      throwsCode(() => checkUserProperty(name!, value!), 'RMQ_ERR_BLANK_PROPERTY');
    }
  });
  it('separators inside a name or value', () => {
    throwsCode(() => checkUserProperty('a\u0001b', 'v'), 'RMQ_ERR_INVALID_PROPERTY');
    throwsCode(() => checkUserProperty('name', 'v\u0002x'), 'RMQ_ERR_INVALID_PROPERTY');
    throwsCode(() => checkMessage({ ...ok, properties: { name: 1 as unknown as string } }), 'RMQ_ERR_INVALID_PROPERTY');
  });
  it('properties string over 32767 UTF-8 bytes', () => {
    checkPropertiesSize('a'.repeat(32767));
    throwsCode(() => checkPropertiesSize('a'.repeat(32768)), 'RMQ_ERR_PROPERTIES_TOO_LARGE', 13);
    throwsCode(() => checkPropertiesSize('é'.repeat(16384)), 'RMQ_ERR_PROPERTIES_TOO_LARGE', 13);
  });
  it('every code is distinct and RMQ_ERR_-prefixed', () => {
    const codes = Object.values(MessageErrorCode);
    assert.equal(new Set(codes).size, codes.length);
    for (const code of codes) assert.match(code, /^RMQ_ERR_[A-Z_]+$/);
  });
});

describe('checkDelivery', () => {
  it('accepts one delivery time, positive integers; refuses the rest with stable codes', async () => {
    const { checkDelivery } = await import('../../src/message/validators.js');
    checkDelivery({});
    checkDelivery({ delayTimeLevel: 0, delayMs: 5 });
    checkDelivery({ deliverTimeMs: Date.now() + 1000 });
    assert.throws(() => checkDelivery({ delayMs: 5, deliverTimeMs: 10 }), { code: 'RMQ_ERR_CONFLICTING_DELAY' });
    assert.throws(() => checkDelivery({ delayMs: 0 }), { code: 'RMQ_ERR_INVALID_DELAY_MS' });
    assert.throws(() => checkDelivery({ deliverTimeMs: -1 }), { code: 'RMQ_ERR_INVALID_DELIVER_TIME' });
    assert.throws(() => checkDelivery({ deliverTimeMs: 2 ** 60 }), { code: 'RMQ_ERR_INVALID_DELIVER_TIME' });
  });

  it('a reply message (MSG_TYPE=reply) may carry the request/reply properties; other messages may not', async () => {
    const { checkMessage } = await import('../../src/message/validators.js');
    checkMessage({ topic: 'T', body: 'x', properties: { MSG_TYPE: 'reply', CORRELATION_ID: 'c', REPLY_TO_CLIENT: 'r', TTL: '1' } });
    assert.throws(() => checkMessage({ topic: 'T', body: 'x', properties: { CORRELATION_ID: 'c' } }), { code: 'RMQ_ERR_RESERVED_PROPERTY' });
    assert.throws(() => checkMessage({ topic: 'T', body: 'x', properties: { MSG_TYPE: 'reply', UNIQ_KEY: 'u' } }), { code: 'RMQ_ERR_RESERVED_PROPERTY' });
    assert.throws(() => checkMessage({ topic: 'T', body: 'x', properties: { MSG_TYPE: 'reply', TTL: ' ' } }), { code: 'RMQ_ERR_BLANK_PROPERTY' });
  });
});
