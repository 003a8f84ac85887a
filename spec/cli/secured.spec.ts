import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { parsePlainAclYaml } from '../../src/embedded/plain-acl-yaml.js';

const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
const TSX = pathToFileURL(createRequire(import.meta.url).resolve('tsx')).href;
const SECRET = 'rxUserSecret123';
const WRONG = 'wrong-Secret-42';

/** A plain_acl.yml as the broker's distribution ships it (numbers unquoted, comments, group rules). */
const PLAIN_ACL_YML = `# accounts of the test cluster
globalWhiteRemoteAddresses:
  - 10.10.103.*
accounts:
  - accessKey: rxUser1
    secretKey: ${SECRET}
    whiteRemoteAddress:
    admin: false
    defaultTopicPerm: PUB|SUB
    defaultGroupPerm: SUB
    topicPerms:
      - RxDenied=DENY
    groupPerms:
      - groupA=DENY
  - accessKey: numericKey
    secretKey: 12345678
    admin: true
`;

interface Run {
  child: ChildProcess;
  output: () => string;
  exit: Promise<number | null>;
}

function runCli(args: string[], env: Record<string, string> = {}): Run {
  const child = spawn(process.execPath, ['--import', TSX, join(ROOT, 'src', 'cli.ts'), ...args], {
    stdio: ['ignore', 'pipe', 'pipe'],
    env: { ...process.env, ROCKETMQ_ACCESS_KEY: '', ROCKETMQ_SECRET_KEY: '', ROCKETMQ_SECURITY_TOKEN: '', ...env },
  });
  let text = '';
  child.stdout!.on('data', (chunk: Buffer) => (text += chunk.toString()));
  child.stderr!.on('data', (chunk: Buffer) => (text += chunk.toString()));
  return { child, output: () => text, exit: new Promise((resolve) => child.once('exit', (code) => resolve(code))) };
}

async function waitFor(run: Run, pattern: RegExp): Promise<RegExpMatchArray> {
  const deadline = Date.now() + 20_000;
  for (;;) {
    const match = pattern.exec(run.output());
    if (match !== null) return match;
    if (Date.now() > deadline) throw new Error(`no ${pattern} in:\n${run.output()}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

describe('parsePlainAclYaml', () => {
  it('reads the plain_acl.yml format (numbers as text, lists of Res=Perm)', () => {
    const acl = parsePlainAclYaml(PLAIN_ACL_YML);
    assert.deepEqual(acl.globalWhiteRemoteAddresses, ['10.10.103.*']);
    assert.equal(acl.accounts[1]!.secretKey, '12345678');
    assert.deepEqual(acl.accounts[0]!.topicPerms, ['RxDenied=DENY']);
    assert.equal(acl.accounts[0]!.defaultGroupPerm, 'SUB');
    assert.throws(() => parsePlainAclYaml('accounts: 3'), (error: Error & { option?: string }) => error.option === 'acl.accounts');
  });
});

describe('rocketmq-rx cluster --acl --tls, send/publish with credentials and TLS', () => {
  let dir: string;
  let cluster: Run;
  let namesrv: string;
  let caFile: string;
  before(async () => {
    dir = mkdtempSync(join(tmpdir(), 'rmqrx-cli-'));
    writeFileSync(join(dir, 'plain_acl.yml'), PLAIN_ACL_YML);
    caFile = join(dir, 'ca.pem');
    cluster = runCli(['cluster', '--port', '0', '--brokers', '1', '--acl', join(dir, 'plain_acl.yml'), '--tls', '--tls-ca-out', caFile]);
    [, namesrv] = (await waitFor(cluster, /NameServer (127\.0\.0\.1:\d+)/)) as unknown as [string, string];
    await waitFor(cluster, /Ready:/);
  });
  after(async () => {
    cluster.child.kill('SIGINT');
    await cluster.exit;
    rmSync(dir, { recursive: true, force: true });
  });

  it('prints the accounts (access keys only) and where the CA is', () => {
    assert.match(cluster.output(), /ACL on: 2 account\(s\) \(rxUser1, numericKey\)/);
    assert.match(cluster.output(), new RegExp(`TLS on \\(enforcing\\): CA certificate in ${caFile.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}`));
    assert.match(readFileSync(caFile, 'utf8'), /BEGIN CERTIFICATE/);
    assert.ok(!cluster.output().includes(SECRET));
    assert.ok(!cluster.output().includes('12345678'));
  });

  it('send: credentials from the environment, TLS with --tls-ca', async () => {
    const run = runCli(['send', '-n', namesrv, '-t', 'CliAcl', '-b', 'hello', '--tls-ca', caFile], {
      ROCKETMQ_ACCESS_KEY: 'rxUser1',
      ROCKETMQ_SECRET_KEY: SECRET,
    });
    assert.equal(await run.exit, 0, run.output());
    assert.match(run.output(), /"sendStatus": "SEND_OK"/);
  });

  it('send: a --secret-key flag wins over the environment; the refusal is printed without the secret, exit 1', async () => {
    const run = runCli(['send', '-n', namesrv, '-t', 'CliAcl', '-b', 'x', '--tls-ca', caFile, '--access-key', 'rxUser1', '--secret-key', WRONG], {
      ROCKETMQ_SECRET_KEY: SECRET,
    });
    assert.equal(await run.exit, 1);
    assert.match(run.output(), /Check signature failed for accessKey=rxUser1/);
    assert.ok(!run.output().includes(WRONG));
    assert.ok(!run.output().includes(SECRET));
  });

  it('send --tls-insecure connects without the CA; plain --tls (system CAs) fails with a TLS error', async () => {
    const insecure = runCli(['send', '-n', namesrv, '-t', 'CliAcl', '-b', 'y', '--tls-insecure', '--access-key', 'numericKey', '--secret-key', '12345678']);
    assert.equal(await insecure.exit, 0, insecure.output());
    const untrusted = runCli(['send', '-n', namesrv, '-t', 'CliAcl', '-b', 'z', '--tls', '--access-key', 'numericKey', '--secret-key', '12345678']);
    assert.equal(await untrusted.exit, 1);
    assert.match(untrusted.output(), /TLS handshake/);
    assert.ok(!untrusted.output().includes('12345678'));
  });

  it('publish: signs and speaks TLS too', async () => {
    writeFileSync(join(dir, 'lines.txt'), 'one\ntwo\nthree\n');
    const run = runCli(['publish', join(dir, 'lines.txt'), '-n', namesrv, '-t', 'CliAclPublish', '--tls-ca', caFile], {
      ROCKETMQ_ACCESS_KEY: 'rxUser1',
      ROCKETMQ_SECRET_KEY: SECRET,
    });
    assert.equal(await run.exit, 0, run.output());
    assert.match(run.output(), /sent=3 failed=0/);
    const refused = runCli(['publish', join(dir, 'lines.txt'), '-n', namesrv, '-t', 'RxDenied', '--tls-ca', caFile], {
      ROCKETMQ_ACCESS_KEY: 'rxUser1',
      ROCKETMQ_SECRET_KEY: SECRET,
    });
    assert.equal(await refused.exit, 1);
    assert.match(refused.output(), /RMQ_ERR_ACL_DENIED/);
  });

  it('lists the flags in --help', async () => {
    for (const command of ['send', 'publish']) {
      const run = runCli([command, '--help']);
      await run.exit;
      for (const flag of ['--access-key', '--secret-key', '--security-token', '--tls', '--tls-ca', '--tls-insecure', 'ROCKETMQ_ACCESS_KEY']) {
        assert.ok(run.output().includes(flag), `${command} --help lacks ${flag}`);
      }
    }
    const cluster = runCli(['cluster', '--help']);
    await cluster.exit;
    for (const flag of ['--acl', '--tls', '--tls-mode']) assert.ok(cluster.output().includes(flag));
  });
});
