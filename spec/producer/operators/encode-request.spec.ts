import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { firstValueFrom, of } from 'rxjs';
import { encodeRequest } from '../../../src/producer/operators/encode-request.js';
import { compressed } from '../context-fixture.js';

const OPTS = { producerGroup: 'PG', createTopicKey: 'TBW102', defaultTopicQueueNums: 4, unitMode: false, now: () => 1700000000000 };

describe('encodeRequest', () => {
  it('builds SEND_MESSAGE_V2 with the a…n header of spec §16(b), all strings, in order', async () => {
    const c = compressed({ flag: 0 });
    const out = await firstValueFrom(of(c).pipe(encodeRequest(OPTS)));
    assert.equal(out.request.code, 310);
    assert.equal(out.request.flag, 0);
    assert.deepEqual(Object.entries(out.request.extFields!), [
      ['a', 'PG'],
      ['b', 'TopicTest'],
      ['c', 'TBW102'],
      ['d', '4'],
      ['e', '2'],
      ['f', '0'],
      ['g', '1700000000000'],
      ['h', '0'],
      ['i', c.properties],
      ['j', '0'],
      ['k', 'false'],
      ['m', 'false'],
      ['n', 'broker-a'],
    ]);
    assert.equal(out.request.body, c.wireBody);
  });

  it('sets the oneway bit for oneway sends and a new opaque per attempt', async () => {
    const c = compressed({}, 'oneway');
    const first = await firstValueFrom(of(c).pipe(encodeRequest(OPTS)));
    const opaque = first.request.opaque;
    assert.equal(first.request.flag & 2, 2);
    const second = await firstValueFrom(of(c).pipe(encodeRequest(OPTS)));
    assert.notEqual(second.request.opaque, opaque);
  });
});
