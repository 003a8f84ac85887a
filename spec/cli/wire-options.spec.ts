import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { Command, InvalidArgumentError } from 'commander';
import { runSendCommand } from '../../src/cli/send.js';
import { addWireOptions, wireProducerOptions } from '../../src/cli/wire-options.js';
import { EmbeddedCluster } from '../../src/embedded/index.js';
import { SerializeType } from '../../src/remoting/remoting-command.js';

const SEND_MESSAGE_V2 = 310;

describe('CLI wire-format flags', () => {
  it('the flag wins over ROCKETMQ_SERIALIZE_TYPE; an empty variable counts as unset; nothing given gives nothing', () => {
    assert.deepEqual(wireProducerOptions({}, {}), {});
    assert.deepEqual(wireProducerOptions({}, { ROCKETMQ_SERIALIZE_TYPE: '' }), {});
    assert.deepEqual(wireProducerOptions({}, { ROCKETMQ_SERIALIZE_TYPE: 'ROCKETMQ' }), { serializeType: 'ROCKETMQ' });
    assert.deepEqual(wireProducerOptions({ serializeType: 'JSON' }, { ROCKETMQ_SERIALIZE_TYPE: 'ROCKETMQ' }), { serializeType: 'JSON' });
    assert.deepEqual(wireProducerOptions({ compressType: 'LZ4' }, {}), { compressType: 'LZ4' });
  });

  it('a ROCKETMQ_SERIALIZE_TYPE that is not a serialization is refused (case-sensitive, as Java reads it)', () => {
    assert.throws(() => wireProducerOptions({}, { ROCKETMQ_SERIALIZE_TYPE: 'rocketmq' }), InvalidArgumentError);
    assert.throws(() => wireProducerOptions({}, { ROCKETMQ_SERIALIZE_TYPE: 'XML' }), InvalidArgumentError);
  });

  it('the flags accept only the known names', () => {
    const parse = (args: string[]): Record<string, unknown> => {
      const command = addWireOptions(new Command('send').exitOverride().configureOutput({ writeErr: () => {} }));
      command.parse(args, { from: 'user' });
      return command.opts();
    };
    assert.deepEqual(parse(['--serialize-type', 'ROCKETMQ', '--compress-type', 'ZSTD']), { serializeType: 'ROCKETMQ', compressType: 'ZSTD' });
    assert.throws(() => parse(['--serialize-type', 'XML']), { code: 'commander.invalidArgument' });
    assert.throws(() => parse(['--compress-type', 'GZIP']), { code: 'commander.invalidArgument' });
  });

  describe('against the embedded cluster', () => {
    let cluster: EmbeddedCluster;
    before(async () => {
      cluster = await EmbeddedCluster.start({ brokers: 1, recordRequests: true, autoCreateTopic: true });
    });
    after(async () => {
      await cluster.stop();
    });

    const sendsOf = (topic: string) => cluster.brokers[0]!.stats.requests.filter((r) => r.code === SEND_MESSAGE_V2 && r.topic === topic);
    const base = { namesrv: '', body: 'x', mode: 'sync' as const, group: 'cli_wire_spec' };

    it('send --serialize-type ROCKETMQ (or the variable) writes binary headers; the default is JSON', async () => {
      const quiet = (): void => {};
      await runSendCommand({ ...base, namesrv: cluster.namesrvAddr, topic: 'CliWireJson' }, quiet, {});
      await runSendCommand({ ...base, namesrv: cluster.namesrvAddr, topic: 'CliWireFlag', serializeType: 'ROCKETMQ' }, quiet, {});
      await runSendCommand({ ...base, namesrv: cluster.namesrvAddr, topic: 'CliWireEnv' }, quiet, { ROCKETMQ_SERIALIZE_TYPE: 'ROCKETMQ' });
      assert.deepEqual(sendsOf('CliWireJson').map((r) => r.serializeType), [SerializeType.JSON]);
      assert.deepEqual(sendsOf('CliWireFlag').map((r) => r.serializeType), [SerializeType.ROCKETMQ]);
      assert.deepEqual(sendsOf('CliWireEnv').map((r) => r.serializeType), [SerializeType.ROCKETMQ]);
      assert.equal(cluster.messages({ topic: 'CliWireFlag' }).length, 1);
    });

    it('send with a ROCKETMQ_SERIALIZE_TYPE that is not a serialization fails before it connects, sending nothing', async () => {
      const before = cluster.brokers[0]!.stats.requests.length;
      await assert.rejects(
        runSendCommand({ ...base, namesrv: cluster.namesrvAddr, topic: 'CliWireBadEnv' }, () => {}, { ROCKETMQ_SERIALIZE_TYPE: 'XML' }),
        InvalidArgumentError,
      );
      assert.equal(cluster.brokers[0]!.stats.requests.length, before);
      assert.equal(cluster.messages({ topic: 'CliWireBadEnv' }).length, 0);
    });

    it('send --compress-type LZ4 stores a large body with the LZ4 sysFlag bit (0x100)', async () => {
      const body = 'lz4 '.repeat(2000);
      await runSendCommand({ ...base, namesrv: cluster.namesrvAddr, topic: 'CliWireLz4', body, compressType: 'LZ4' }, () => {}, {});
      const [stored] = cluster.messages({ topic: 'CliWireLz4' });
      assert.ok(stored);
      assert.equal(stored.sysFlag & 0x1, 0x1, 'compressed');
      assert.equal(stored.sysFlag & 0x700, 0x100, 'LZ4 codec bits');
    });
  });
});
