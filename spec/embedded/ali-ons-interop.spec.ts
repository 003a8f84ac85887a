/**
 * Acceptance: an independent client (ali-ons 3.12.0, which sends version 121, numbers unquoted in extFields and
 * parses the legacy route JSON) sends through the embedded cluster.
 */
import assert from 'node:assert/strict';
import { createRequire } from 'node:module';
import { after, before, describe, it } from 'node:test';
import { EmbeddedCluster } from '../../src/embedded/index.js';
import { RequestCode } from '../../src/remoting/request-code.js';

const require = createRequire(import.meta.url);
// ali-ons is CommonJS without types.
const ons = require('ali-ons') as {
  Producer: new (options: Record<string, unknown>) => AliProducer;
  Message: new (topic: string, tags: string, body: Buffer | string) => AliMessage;
};

interface AliProducer {
  ready(): Promise<void>;
  send(message: AliMessage): Promise<{ sendStatus: string; msgId: string; messageQueue: { topic: string; brokerName: string; queueId: number }; queueOffset: number }>;
  close(): Promise<void>;
}
interface AliMessage {
  keys: string[] | string;
  properties: Record<string, string>;
}

const silent = { info() {}, warn() {}, error() {}, debug() {} };

describe('ali-ons through the embedded cluster', () => {
  let cluster: EmbeddedCluster;
  let producer: AliProducer;

  before(async () => {
    cluster = await EmbeddedCluster.start({ brokers: 2, queuesPerTopic: 4, autoCreateTopic: true, recordRequests: true });
    producer = new ons.Producer({
      // A plain Apache NameServer: a fixed address instead of the Alibaba Cloud address service (no HTTP at all).
      nameSrv: cluster.namesrvAddr,
      httpclient: {},
      producerGroup: 'AliOnsGroup',
      instanceName: `embedded-spec-${process.pid}`,
      clientIP: '127.0.0.1',
      logger: silent,
      sendMsgTimeout: 3000,
      // ali-ons' background loops sleep this long between runs and only notice a close after the sleep: keep them
      // short so the test process can exit right after the suite.
      pollNameServerInteval: 100,
      heartbeatBrokerInterval: 100,
      rebalanceInterval: 100,
      persistConsumerOffsetInterval: 100,
    });
    await producer.ready();
    // ali-ons has no TBW102 fallback for an unknown topic: create it on both brokers first, as an admin would.
    await cluster.createTopic('AliOnsTopic', 4);
  });

  after(async () => {
    await producer.close();
    // ali-ons' shared MQClient keeps running while any group is registered (its internal CLIENT_INNER_PRODUCER
    // stays): empty its tables and close it for real, so its loops end.
    const mqClient = (producer as unknown as { _mqClient: { _producerTable: Map<string, unknown>; _consumerTable: Map<string, unknown>; close(): Promise<void> } })._mqClient;
    mqClient._producerTable.clear();
    mqClient._consumerTable.clear();
    await mqClient.close();
    await cluster.stop();
  });

  it('gets SEND_OK and the stored messages read back with the same body, tags, keys and properties', async () => {
    const sent: { body: Buffer; tags: string; keys: string[]; custom: string; result: Awaited<ReturnType<AliProducer['send']>> }[] = [];
    for (let i = 0; i < 8; i++) {
      // Message 5 is over ali-ons' 4 KiB compression threshold: it arrives zlib-compressed (sysFlag bit 0x1).
      const body = Buffer.from(i === 5 ? `big-${'x'.repeat(6000)}` : `hello ali-ons ${i}`);
      const message = new ons.Message('AliOnsTopic', `Tag${i % 2}`, body);
      message.keys = [`key-${i}`, `order-${i}`];
      message.properties.custom = `value-${i}`;
      const result = await producer.send(message);
      sent.push({ body, tags: `Tag${i % 2}`, keys: [`key-${i}`, `order-${i}`], custom: `value-${i}`, result });
    }
    for (const { result } of sent) assert.equal(result.sendStatus, 'SEND_OK');

    const stored = cluster.messages({ topic: 'AliOnsTopic' });
    assert.equal(stored.length, sent.length, 'no loss, no duplicates');
    for (const { body, tags, keys, custom, result } of sent) {
      const message = stored.find((m) => m.msgId === result.msgId);
      assert.ok(message, `stored message for ${result.msgId}`);
      assert.deepEqual(message.body, body);
      assert.equal(message.tags, tags);
      assert.deepEqual(message.keys, keys);
      assert.equal(message.properties.custom, custom);
      assert.equal(message.properties.CLUSTER, 'DefaultCluster');
      assert.equal(message.queueId, Number(result.messageQueue.queueId));
      assert.equal(message.queueOffset, Number(result.queueOffset));
      assert.equal(cluster.broker(result.messageQueue.brokerName)!.address, message.storeHost);
    }
    assert.ok(stored.some((m) => (m.sysFlag & 1) === 1 && m.body.length > 6000), 'the compressed body was inflated');
    const brokersUsed = new Set(sent.map((s) => s.result.messageQueue.brokerName));
    assert.deepEqual([...brokersUsed].sort(), ['broker-a', 'broker-b'], 'ali-ons spread the sends over both brokers');
  });

  it('ali-ons read the legacy route JSON it asked for (version 121)', () => {
    const lookups = cluster.nameServer.stats.requests.filter((entry) => entry.code === RequestCode.GET_ROUTEINFO_BY_TOPIC);
    assert.ok(lookups.length > 0);
    assert.ok(lookups.every((entry) => entry.version === 121), 'ali-ons asks with version 121, so it got fastjson legacy keys');
    const sends = cluster.brokers.reduce((sum, broker) => sum + broker.stats.count(RequestCode.SEND_MESSAGE_V2), 0);
    assert.equal(sends, 8);
  });
});
