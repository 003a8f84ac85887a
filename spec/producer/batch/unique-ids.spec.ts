/**
 * Unique ids of a long batch list: an id's time and counter (65,536 values) must never repeat, so the ids of one
 * list cannot all be made from one clock read.
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type { Message } from '../../../src/message/message.js';
import { prepareBatchList } from '../../../src/producer/batch/batch-message.js';

describe('prepareBatchList unique ids', () => {
  it('a list of 70 000 messages gets distinct unique ids', () => {
    const messages: Message[] = Array.from({ length: 70_000 }, () => ({ topic: 'T', body: Buffer.from('x') }));
    const ids = prepareBatchList(messages, { maxMessageSize: 64 * 1024 * 1024 }).map((item) => item.uniqueId);
    assert.equal(new Set(ids).size, ids.length, 'duplicate unique ids');
  });
});
