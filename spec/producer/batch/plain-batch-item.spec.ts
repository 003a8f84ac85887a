import assert from 'node:assert/strict';
import { test } from 'node:test';
import { encodeBatchBody } from '../../../src/message/batch.js';
import { buildPropertiesString } from '../../../src/message/properties.js';
import { encodeBatchItems, prepareBatchItem } from '../../../src/producer/batch/batch-message.js';

test('plain batch items: body bytes equal the string path for any id', () => {
  const ids = ['ABC', 'id\u0001x', 'é', '\u{1F600}', 'a'.repeat(40000), '7F000001' + 'F'.repeat(24), undefined];
  for (const id of ids) {
    for (const waitStoreMsgOK of [true, false, undefined]) {
      const options = { maxMessageSize: 4 * 1024 * 1024, ...(id === undefined ? {} : { createUniqueId: () => id }) };
      let items;
      try {
        items = [0, 1, 2].map((i) => prepareBatchItem({ topic: 'T', body: Buffer.from('body' + i), ...(waitStoreMsgOK === undefined ? {} : { waitStoreMsgOK }) }, i, options));
      } catch (error) {
        assert.ok(id !== undefined && id.length > 30000, String(error));
        continue;
      }
      for (const item of items) {
        assert.equal(item.properties, buildPropertiesString({ waitStoreMsgOK: waitStoreMsgOK !== false, uniqKey: item.uniqueId }));
      }
      const want = encodeBatchBody(items.map((item) => ({ body: item.body, flag: item.flag, properties: item.properties })));
      assert.deepEqual(encodeBatchItems(items), want, `id ${JSON.stringify(id)}`);
      assert.deepEqual(encodeBatchItems(items.map((item) => ({ ...item, properties: item.properties }))), want);
    }
  }
});
