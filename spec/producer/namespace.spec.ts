import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { vipChannelAddress, withNamespace, withoutNamespace } from '../../src/producer/namespace.js';

describe('namespace', () => {
  it('wraps and strips as Java NamespaceUtil', () => {
    assert.equal(withNamespace(null, 'T'), 'T');
    assert.equal(withNamespace('ns', 'T'), 'ns%T');
    assert.equal(withNamespace('ns', 'ns%T'), 'ns%T');
    assert.equal(withNamespace('ns', '%RETRY%G'), '%RETRY%ns%G');
    assert.equal(withNamespace('ns', 'TBW102'), 'TBW102');
    assert.equal(withoutNamespace('ns', 'ns%T'), 'T');
    assert.equal(withoutNamespace('ns', 'other%T'), 'other%T');
    assert.equal(withoutNamespace('ns', '%RETRY%ns%G'), '%RETRY%G');
    assert.equal(withoutNamespace(null, 'ns%T'), 'ns%T');
  });

  it('rewrites the broker port for the VIP channel only when enabled', () => {
    assert.equal(vipChannelAddress(false, '127.0.0.1:10911'), '127.0.0.1:10911');
    assert.equal(vipChannelAddress(true, '127.0.0.1:10911'), '127.0.0.1:10909');
    assert.equal(vipChannelAddress(true, '[::1]:10911'), '[::1]:10909');
  });
});
