import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { InvalidOptionError } from '../../src/errors.js';
import { DEFAULTS, LATENCY_TABLES_4_9, resolveOptions } from '../../src/producer/config.js';

const NS = { namesrvAddr: '127.0.0.1:9876' };

describe('DEFAULTS', () => {
  it('carries the Java client names and values and is frozen', () => {
    assert.equal(Object.isFrozen(DEFAULTS), true);
    assert.equal(DEFAULTS.producerGroup, 'DEFAULT_PRODUCER');
    assert.equal(DEFAULTS.instanceName, 'DEFAULT');
    assert.equal(DEFAULTS.sendMsgTimeout, 3000);
    assert.equal(DEFAULTS.sendMsgMaxTimeoutPerRequest, -1);
    assert.equal(DEFAULTS.retryTimesWhenSendFailed, 2);
    assert.equal(DEFAULTS.retryTimesWhenSendAsyncFailed, 2);
    assert.equal(DEFAULTS.retryAnotherBrokerWhenNotStoreOK, false);
    assert.equal(DEFAULTS.compressMsgBodyOverHowmuch, 4096);
    assert.equal(DEFAULTS.compressLevel, 5);
    assert.equal(DEFAULTS.maxMessageSize, 4 * 1024 * 1024);
    assert.equal(DEFAULTS.defaultTopicQueueNums, 4);
    assert.equal(DEFAULTS.createTopicKey, 'TBW102');
    assert.equal(DEFAULTS.sendLatencyFaultEnable, false);
    assert.deepEqual([...DEFAULTS.latencyMax], [50, 100, 550, 1800, 3000, 5000, 15000]);
    assert.deepEqual([...DEFAULTS.notAvailableDuration], [0, 0, 2000, 5000, 6000, 10000, 30000]);
    assert.equal(DEFAULTS.sendMessageWithVIPChannel, false);
    assert.equal(DEFAULTS.pollNameServerInterval, 30000);
    assert.equal(DEFAULTS.heartbeatBrokerInterval, 30000);
    assert.equal(DEFAULTS.clientAsyncSemaphoreValue, 65535);
    assert.equal(DEFAULTS.clientOnewaySemaphoreValue, 65535);
    assert.equal(DEFAULTS.unitMode, false);
    assert.deepEqual([...DEFAULTS.retryResponseCodes].sort((a, b) => a - b), [1, 2, 14, 16, 17, 204, 205, 1500]);
  });
});

describe('resolveOptions', () => {
  it('merges over the defaults', () => {
    const o = resolveOptions({ ...NS, producerGroup: 'PG', sendMsgTimeout: 500 }, {});
    assert.equal(o.producerGroup, 'PG');
    assert.equal(o.sendMsgTimeout, 500);
    assert.equal(o.retryTimesWhenSendFailed, 2);
    assert.deepEqual(o.namesrvAddr, ['127.0.0.1:9876']);
    assert.equal(o.retryResponseCodes.has(2), true);
    assert.equal(Object.isFrozen(o), true);
  });

  it('splits name server lists and falls back to NAMESRV_ADDR', () => {
    assert.deepEqual(resolveOptions({ namesrvAddr: 'a:9876; b:9877;' }, {}).namesrvAddr, ['a:9876', 'b:9877']);
    assert.deepEqual(resolveOptions({ namesrvAddr: ['a:1', 'b:2'] }, {}).namesrvAddr, ['a:1', 'b:2']);
    assert.deepEqual(resolveOptions({}, { NAMESRV_ADDR: 'c:3' }).namesrvAddr, ['c:3']);
  });

  it('selects the 4.9 latency tables', () => {
    const o = resolveOptions({ ...NS, ...LATENCY_TABLES_4_9 }, {});
    assert.deepEqual([...o.notAvailableDuration], [0, 0, 30000, 60000, 120000, 180000, 600000]);
  });

  const bad: [string, Record<string, unknown>, Record<string, string>?][] = [
    ['namesrvAddr', { namesrvAddr: null }, {}],
    ['namesrvAddr', { namesrvAddr: 'nohost' }],
    ['namesrvAddr', { namesrvAddr: 'h:99999' }],
    ['producerGroup', { producerGroup: 'bad group' }],
    ['producerGroup', { producerGroup: '' }],
    ['namespace', { namespace: 'a b' }],
    ['sendMsgTimeout', { sendMsgTimeout: 0 }],
    ['sendMsgTimeout', { sendMsgTimeout: 1.5 }],
    ['sendMsgMaxTimeoutPerRequest', { sendMsgMaxTimeoutPerRequest: -2 }],
    ['retryTimesWhenSendFailed', { retryTimesWhenSendFailed: -1 }],
    ['retryTimesWhenSendAsyncFailed', { retryTimesWhenSendAsyncFailed: '2' }],
    ['retryAnotherBrokerWhenNotStoreOK', { retryAnotherBrokerWhenNotStoreOK: 1 }],
    ['retryResponseCodes', { retryResponseCodes: ['x'] }],
    ['compressMsgBodyOverHowmuch', { compressMsgBodyOverHowmuch: -1 }],
    ['compressLevel', { compressLevel: 10 }],
    ['compressLevel', { compressType: 'ZSTD', compressLevel: 0 }],
    ['compressLevel', { compressType: 'ZSTD', compressLevel: 23 }],
    ['compressType', { compressType: 'GZIP' }],
    ['compressType', { compressType: 'zlib' }],
    ['maxMessageSize', { maxMessageSize: 0 }],
    ['defaultTopicQueueNums', { defaultTopicQueueNums: 0 }],
    ['createTopicKey', { createTopicKey: 'a/b' }],
    ['sendLatencyFaultEnable', { sendLatencyFaultEnable: 'yes' }],
    ['latencyMax', { latencyMax: [] }],
    ['notAvailableDuration', { notAvailableDuration: [1, 2] }],
    ['pollNameServerInterval', { pollNameServerInterval: 0 }],
    ['heartbeatBrokerInterval', { heartbeatBrokerInterval: -5 }],
    ['clientAsyncSemaphoreValue', { clientAsyncSemaphoreValue: 0 }],
    ['checkForbiddenHooks', { checkForbiddenHooks: [{ name: 'x' }] }],
    ['sendMessageHooks', { sendMessageHooks: 'x' }],
    ['sendMsgTimout', { sendMsgTimout: 100 }],
    ['credentials', { credentials: { accessKey: 'ak' } }],
    ['credentials', { credentials: 'ak:sk' }],
    ['credentialsRefreshInterval', { credentialsRefreshInterval: 0 }],
    ['tls', { tls: 'on' }],
  ];
  for (const [option, value, env] of bad) {
    it(`rejects a bad ${option} with an error naming it`, () => {
      assert.throws(
        () => resolveOptions({ ...NS, ...value } as never, env ?? {}),
        (err: unknown) => err instanceof InvalidOptionError && err.code === 'RMQ_ERR_INVALID_OPTION' && err.option === option,
      );
    });
  }

  it('compressType: ZLIB by default; LZ4 and ZSTD take their level ranges', () => {
    assert.equal(resolveOptions(NS, {}).compressType, 'ZLIB');
    assert.equal(resolveOptions({ ...NS, compressType: 'ZSTD', compressLevel: 19 }, {}).compressLevel, 19);
    assert.equal(resolveOptions({ ...NS, compressType: 'LZ4' }, {}).compressType, 'LZ4');
  });
});

describe('resolveOptions: credentials and tls', () => {
  it('defaults to no credentials and no TLS; keeps both out of printouts', async () => {
    const { inspect } = await import('node:util');
    const plain = resolveOptions(NS);
    assert.equal(plain.credentials, null);
    assert.equal(plain.tls, null);
    assert.equal(plain.credentialsRefreshInterval, 60_000);
    const secured = resolveOptions({ ...NS, credentials: { accessKey: 'ak1234567', secretKey: 'sk-Secret-99' }, tls: { ca: 'CA', key: 'KEY-Secret-99' } });
    assert.deepEqual(secured.credentials!.reveal(), { accessKey: 'ak1234567', secretKey: 'sk-Secret-99' });
    assert.equal(secured.tls!.reveal().key, 'KEY-Secret-99');
    const printed = inspect(secured, { depth: 10, showHidden: true }) + JSON.stringify(secured);
    assert.ok(!printed.includes('sk-Secret-99') && !printed.includes('KEY-Secret-99'), printed);
    assert.equal(resolveOptions({ ...NS, tls: true }).tls!.reveal().rejectUnauthorized, undefined);
    const fn = (): { accessKey: string; secretKey: string } => ({ accessKey: 'a', secretKey: 'b' });
    assert.equal(resolveOptions({ ...NS, credentials: fn }).credentials!.reveal(), fn);
  });
});
