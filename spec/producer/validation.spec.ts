import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { InvalidOptionError, MQClientError } from '../../src/errors.js';
import type { Message } from '../../src/message/message.js';
import { Producer } from '../../src/producer/producer.js';

/** Validation fails before any I/O, so these producers point at a loopback address nothing listens on. */
const NOWHERE = '127.0.0.1:9';

describe('bad input fails fast with a stable code', () => {
  let producer: Producer;
  before(async () => {
    producer = new Producer({ producerGroup: 'ValidationPG', namesrvAddr: NOWHERE, maxMessageSize: 64 * 1024 });
    await producer.start();
  });
  after(() => producer.shutdown());

  const cases: [string, string, unknown][] = [
    ['a null message', 'RMQ_ERR_NULL_MESSAGE', null],
    ['a blank topic', 'RMQ_ERR_BLANK_TOPIC', { topic: '  ', body: 'x' }],
    ['a topic over 127 characters', 'RMQ_ERR_TOPIC_TOO_LONG', { topic: 'a'.repeat(128), body: 'x' }],
    ['a topic with illegal characters', 'RMQ_ERR_INVALID_TOPIC', { topic: 'bad topic!', body: 'x' }],
    ['the auto-create template topic', 'RMQ_ERR_SYSTEM_TOPIC', { topic: 'TBW102', body: 'x' }],
    ['a system topic', 'RMQ_ERR_SYSTEM_TOPIC', { topic: 'SCHEDULE_TOPIC_XXXX', body: 'x' }],
    ['a null body', 'RMQ_ERR_NULL_BODY', { topic: 'T', body: null }],
    ['an empty string body', 'RMQ_ERR_EMPTY_BODY', { topic: 'T', body: '' }],
    ['an empty buffer body', 'RMQ_ERR_EMPTY_BODY', { topic: 'T', body: Buffer.alloc(0) }],
    ['a number body', 'RMQ_ERR_INVALID_BODY', { topic: 'T', body: 42 }],
    ['a body over maxMessageSize', 'RMQ_ERR_MESSAGE_TOO_LARGE', { topic: 'T', body: Buffer.alloc(64 * 1024 + 1) }],
    ['a property name with a separator', 'RMQ_ERR_INVALID_PROPERTY', { topic: 'T', body: 'x', properties: { 'a\u0001b': 'v' } }],
    ['a property value with a separator', 'RMQ_ERR_INVALID_PROPERTY', { topic: 'T', body: 'x', properties: { a: 'v\u0002' } }],
    ['a blank property value', 'RMQ_ERR_BLANK_PROPERTY', { topic: 'T', body: 'x', properties: { a: ' ' } }],
    ['a reserved property name', 'RMQ_ERR_RESERVED_PROPERTY', { topic: 'T', body: 'x', properties: { UNIQ_KEY: 'mine' } }],
    ['properties over 32767 bytes', 'RMQ_ERR_PROPERTIES_TOO_LARGE', { topic: 'T', body: 'x', properties: { big: 'v'.repeat(40_000) } }],
    ['tags with a separator', 'RMQ_ERR_INVALID_TAGS', { topic: 'T', body: 'x', tags: 'a\u0002b' }],
    ['a key with a separator', 'RMQ_ERR_INVALID_KEYS', { topic: 'T', body: 'x', keys: ['ok', 'k\u0001'] }],
    ['a flag that is not an int32', 'RMQ_ERR_INVALID_FLAG', { topic: 'T', body: 'x', flag: 1.5 }],
    ['a negative delay level', 'RMQ_ERR_INVALID_DELAY_LEVEL', { topic: 'T', body: 'x', delayTimeLevel: -1 }],
  ];
  for (const [what, code, message] of cases) {
    it(`refuses ${what} with ${code}`, async () => {
      await assert.rejects(producer.send(message as Message), (e: unknown) => {
        assert.ok(e instanceof MQClientError, 'an MQClientError');
        assert.equal(e.code, code);
        assert.ok(e.message.length > 0, 'says what is wrong');
        return true;
      });
    });
  }

  it('refuses the same way in async mode (onException once, after sendAsync returned) and in oneway mode', async () => {
    const codes: string[] = [];
    let returned = false;
    producer.sendAsync({ topic: 'T', body: null as never }, { onException: () => assert.equal(returned, true) });
    returned = true;
    await new Promise<void>((resolve) =>
      producer.sendAsync({ topic: 'bad topic', body: 'x' }, { onException: (e) => (codes.push((e as MQClientError).code), resolve()) }),
    );
    await assert.rejects(producer.sendOneway({ topic: 'T', body: '' }), (e: unknown) => (e as MQClientError).code === 'RMQ_ERR_EMPTY_BODY');
    assert.deepEqual(codes, ['RMQ_ERR_INVALID_TOPIC']);
  });
});

describe('producer life cycle errors', () => {
  it('sends before start fail fast with RMQ_ERR_PRODUCER_NOT_STARTED', async () => {
    const p = new Producer({ producerGroup: 'NotStarted', namesrvAddr: NOWHERE });
    await assert.rejects(p.send({ topic: 'T', body: 'x' }), (e: unknown) => (e as MQClientError).code === 'RMQ_ERR_PRODUCER_NOT_STARTED');
    await assert.rejects(p.sendOneway({ topic: 'T', body: 'x' }), (e: unknown) => (e as MQClientError).code === 'RMQ_ERR_PRODUCER_NOT_STARTED');
  });

  it('sends after shutdown fail fast with RMQ_ERR_PRODUCER_SHUT_DOWN; start twice is refused', async () => {
    const p = new Producer({ producerGroup: 'ShutDown', namesrvAddr: NOWHERE });
    await p.start();
    await assert.rejects(p.start(), (e: unknown) => (e as MQClientError).code === 'RMQ_ERR_PRODUCER_ALREADY_STARTED');
    await p.shutdown();
    await p.shutdown();
    assert.equal(p.state, 'SHUTDOWN_ALREADY');
    await assert.rejects(p.send({ topic: 'T', body: 'x' }), (e: unknown) => (e as MQClientError).code === 'RMQ_ERR_PRODUCER_SHUT_DOWN');
  });

  it('bad options are refused by the constructor with the option named', () => {
    assert.throws(
      () => new Producer({ namesrvAddr: NOWHERE, sendMsgTimeout: -5 }),
      (e: unknown) => e instanceof InvalidOptionError && e.option === 'sendMsgTimeout',
    );
  });
});
