import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { decodeFrame, encodeFrame } from '../../src/remoting/frame-codec.js';
import { goldenFile, goldenFrames } from '../helpers/golden.js';

describe('frame codec: golden captures from Apache RocketMQ 4.9.8', () => {
  const names = goldenFrames();

  it('finds the captures', () => {
    assert.ok(names.length >= 12, `expected the golden frames, found ${names.length}`);
  });

  for (const name of names) {
    it(`${name} decodes and re-encodes to the same bytes`, () => {
      const frame = goldenFile(name);
      const command = decodeFrame(frame);
      const headerJson = goldenFile(name.replace('.frame.bin', '.header.json')).toString('utf8').trim();
      const expected = JSON.parse(headerJson) as { code: number; opaque: number };
      assert.equal(command.code, expected.code);
      assert.equal(command.opaque, expected.opaque);
      assert.deepEqual(encodeFrame(command), frame);
    });
  }
});
