import assert from 'node:assert/strict';
import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { EmbeddedCluster } from '../../src/embedded/index.js';
import { decodeFrame, encodeFrame } from '../../src/remoting/frame-codec.js';
import { RemotingClient } from '../../src/remoting/remoting-client.js';
import { createRequest, type RemotingCommand } from '../../src/remoting/remoting-command.js';
import { AclSigningHook } from '../../src/security/acl-signer.js';
import { CAPTURE_ACL } from '../helpers/acl.js';
import { GOLDEN_DIR, goldenFile } from '../helpers/golden.js';
import { eventually, sendV2 } from './wire-helpers.js';

const cases = readdirSync(join(GOLDEN_DIR, 'acl'))
  .filter((name) => name.endsWith('.meta.json'))
  .map((name) => name.slice(0, -'.meta.json'.length))
  .sort();

function withOpaque(frame: Buffer, opaque: number): Buffer {
  const command = decodeFrame(frame);
  return encodeFrame({ ...command, opaque });
}

describe('embedded broker ACL (4.9.8 PlainAccessValidator)', () => {
  let cluster: EmbeddedCluster;
  const client = new RemotingClient();
  before(async () => {
    cluster = await EmbeddedCluster.start({ acl: CAPTURE_ACL, recordRequests: true });
  });
  after(async () => {
    await client.close();
    await cluster.stop();
  });

  for (const name of cases) {
    it(`answers the captured ${name} exactly as the real broker did`, async () => {
      const request = decodeFrame(goldenFile(`acl/${name}.request.frame.bin`));
      const golden = decodeFrame(goldenFile(`acl/${name}.response.frame.bin`));
      const broker = cluster.brokers[0]!;
      const before = broker.storedMessageCount;
      const response = await client.invoke(broker.address, request, 3000);
      assert.equal(response.code, golden.code);
      assert.equal(response.remark, golden.remark);
      if (golden.code === 0) {
        assert.deepEqual(Object.keys(response.extFields!).sort(), Object.keys(golden.extFields!).sort());
        assert.equal(broker.storedMessageCount, before + 1);
      } else {
        // A refusal: byte for byte the captured frame (opaque aside), and nothing stored.
        assert.deepEqual(encodeFrame(response), withOpaque(goldenFile(`acl/${name}.response.frame.bin`), response.opaque));
        assert.equal(broker.storedMessageCount, before);
      }
    });
  }

  function signed(request: RemotingCommand, accessKey: string, secretKey: string): RemotingCommand {
    new AclSigningHook({ current: () => ({ accessKey, secretKey }) }).doBeforeRequest('', request);
    return request;
  }

  it('refuses a request whose body was changed after signing (Check signature failed), storing nothing', async () => {
    const broker = cluster.brokers[0]!;
    const request = signed(sendV2('RxAclOk', 0, 'original'), 'rxUser1', 'rxUserSecret123');
    request.body = Buffer.from('tampered');
    const before = broker.storedMessageCount;
    const response = await client.invoke(broker.address, request, 3000);
    assert.equal(response.code, 1);
    assert.match(response.remark!, /^org\.apache\.rocketmq\.acl\.common\.AclException: Check signature failed for accessKey=rxUser1, /);
    assert.equal(broker.storedMessageCount, before);
  });

  it('drops a oneway request with a bad signature: no answer, nothing stored', async () => {
    const broker = cluster.brokers[0]!;
    const before = broker.storedMessageCount;
    const bad = signed(sendV2('RxAclOk', 0, 'oneway'), 'rxUser1', 'wrong-secret-123');
    const answered = broker.stats.count(310);
    await client.invokeOneway(broker.address, bad, 3000);
    // A good oneway after it: once that one is stored, the bad one was processed (and dropped) before it.
    const good = signed(sendV2('RxAclOk', 0, 'oneway-ok'), 'rxUser1', 'rxUserSecret123');
    await client.invokeOneway(broker.address, good, 3000);
    await eventually(() => broker.storedMessageCount === before + 1);
    assert.equal(broker.stats.count(310), answered + 2);
    assert.deepEqual(
      broker.messages({ topic: 'RxAclOk' }).slice(-1).map((m) => m.body.toString()),
      ['oneway-ok'],
    );
  });

  it('checks group permissions of heartbeats and needs admin for admin request codes', async () => {
    const broker = cluster.brokers[0]!;
    const heartbeat = (group: string): RemotingCommand =>
      createRequest(34, null, {
        body: Buffer.from(JSON.stringify({ clientID: 'c', producerDataSet: [], consumerDataSet: [{ groupName: group, subscriptionDataSet: [] }] })),
      });
    const ok = await client.invoke(broker.address, signed(heartbeat('G1'), 'rxUser1', 'rxUserSecret123'), 3000);
    assert.equal(ok.code, 0);
    const updateTopic = createRequest(17, { topic: 'X' });
    const refused = await client.invoke(broker.address, signed(updateTopic, 'rxUser1', 'rxUserSecret123'), 3000);
    assert.equal(refused.code, 1);
    assert.equal(
      refused.remark,
      'org.apache.rocketmq.acl.common.AclException: Need admin permission for request code=17, but accessKey=rxUser1 is not, ' +
        'org.apache.rocketmq.acl.plain.PlainPermissionManager.checkPerm(PlainPermissionManager.java:581)',
    );
  });

  it('refuses at start an account whose key has 6 characters or fewer, naming the field but not the secret', async () => {
    await assert.rejects(EmbeddedCluster.start({ acl: { accounts: [{ accessKey: 'abcdef', secretKey: 'longEnoughSecret' }] } }), (error: Error & { code?: string; option?: string }) => {
      assert.equal(error.code, 'RMQ_ERR_INVALID_OPTION');
      assert.equal(error.option, 'acl.accounts[0].accessKey');
      return true;
    });
    await assert.rejects(EmbeddedCluster.start({ acl: { accounts: [{ accessKey: 'abcdefg', secretKey: 'short6' }] } }), (error: Error & { code?: string; option?: string }) => {
      assert.equal(error.option, 'acl.accounts[0].secretKey');
      assert.ok(!error.message.includes('short6'));
      return true;
    });
  });
});

describe('embedded broker ACL: defaults, white addresses', () => {
  it('a missing defaultTopicPerm is DENY (as 4.9.8 reads it); global and account white addresses skip the checks', async () => {
    const strict = await EmbeddedCluster.start({ acl: { accounts: [{ accessKey: 'plainUser', secretKey: 'plainSecret1' }] } });
    const open = await EmbeddedCluster.start({
      acl: { accounts: [{ accessKey: 'plainUser', secretKey: 'plainSecret1', whiteRemoteAddress: '127.0.0.*' }] },
    });
    const everyone = await EmbeddedCluster.start({ acl: { accounts: [], globalWhiteRemoteAddresses: ['127.0.0.1'] } });
    const client = new RemotingClient();
    try {
      const sign = (request: RemotingCommand, secret: string): RemotingCommand => {
        new AclSigningHook({ current: () => ({ accessKey: 'plainUser', secretKey: secret }) }).doBeforeRequest('', request);
        return request;
      };
      const denied = await client.invoke(strict.brokers[0]!.address, sign(sendV2('Tp', 0), 'plainSecret1'), 3000);
      assert.equal(denied.code, 1);
      assert.match(denied.remark!, /No default permission for topic:Tp, .*checkPerm\(PlainPermissionManager\.java:606\)$/);
      // White-listed account address: even a wrong signature passes (4.9.8 returns before the signature check).
      const white = await client.invoke(open.brokers[0]!.address, sign(sendV2('Tp', 0), 'not-the-secret'), 3000);
      assert.equal(white.code, 0);
      // Globally white-listed: no AccessKey needed at all.
      const unsigned = await client.invoke(everyone.brokers[0]!.address, sendV2('Tp', 0), 3000);
      assert.equal(unsigned.code, 0);
    } finally {
      await client.close();
      await Promise.all([strict.stop(), open.stop(), everyone.stop()]);
    }
  });
});
