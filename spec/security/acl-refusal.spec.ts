import assert from 'node:assert/strict';
import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { aclRefusalReason } from '../../src/security/acl-refusal.js';
import { GOLDEN_DIR, goldenFile } from '../helpers/golden.js';

describe('aclRefusalReason', () => {
  const metas = readdirSync(join(GOLDEN_DIR, 'acl'))
    .filter((name) => name.endsWith('.meta.json'))
    .map((name) => JSON.parse(goldenFile(`acl/${name}`).toString('utf8')) as { name: string; response: { code: number; remark: string | null } });

  it('recognises every refusal of the 4.9.8 captures and strips class and stack frame', () => {
    const reasons = metas
      .filter((meta) => meta.response.code !== 0)
      .map((meta) => aclRefusalReason(meta.response.code, meta.response.remark))
      .sort();
    assert.deepEqual(reasons, [
      'Check signature failed for accessKey=rxUser1',
      'No accessKey is configured',
      'No acl config for rxUser',
      'No default permission for topic:RxDenied',
    ]);
    for (const meta of metas.filter((m) => m.response.code === 0)) assert.equal(aclRefusalReason(0, meta.response.remark), null);
  });

  it('recognises the 5.3 ACL 2.0 answers (NO_PERMISSION with the bare message)', () => {
    for (const remark of [
      'User:rxUser is not found.',
      'User:rxUser1 is disabled.',
      'check signature failed.',
      'username cannot be null.',
      'Authentication failed. Please verify the credentials and try again.',
      'rxUser1 has no permission to access Topic:RxDenied from 127.0.0.1, the decided policy is Deny.',
    ]) {
      assert.equal(aclRefusalReason(16, remark), remark, remark);
    }
  });

  it('leaves other SYSTEM_ERROR and NO_PERMISSION answers alone (they stay retriable broker errors)', () => {
    assert.equal(aclRefusalReason(16, 'the broker[broker-a] sending message is forbidden'), null);
    assert.equal(aclRefusalReason(16, 'the topic[T] sending message is forbidden'), null);
    assert.equal(aclRefusalReason(1, 'java.lang.NullPointerException'), null);
    assert.equal(aclRefusalReason(1, null), null);
    assert.equal(aclRefusalReason(2, 'org.apache.rocketmq.acl.common.AclException: x, a.B.c(B.java:1)'), null);
  });
});
