import assert from 'node:assert/strict';
import { test } from 'node:test';
import { jsonHeaderText } from '../../src/remoting/header-codec.js';
import { encodeJsonFrameHead, encodeJsonFrameHeadInto } from '../../src/remoting/json-header-writer.js';
import type { RemotingCommand } from '../../src/remoting/remoting-command.js';

function rng(seed: number): () => number {
  let s = seed >>> 0 || 1;
  return () => {
    s ^= s << 13; s >>>= 0; s ^= s >>> 17; s ^= s << 5; s >>>= 0;
    return s / 0x100000000;
  };
}

function expected(command: RemotingCommand, bodyLength: number): Buffer {
  const json = Buffer.from(jsonHeaderText(command), 'utf8');
  const head = Buffer.alloc(8 + json.length);
  head.writeInt32BE(4 + json.length + bodyLength, 0);
  head.writeInt32BE(json.length, 4);
  json.copy(head, 8);
  return head;
}

test('head templates: random sequences match jsonHeaderText', () => {
  for (let seed = 1; seed <= 150; seed++) {
    const r = rng(seed);
    const pick = <T>(xs: readonly T[]): T => xs[Math.floor(r() * xs.length)]!;
    const codes = [10, 310, 320, 11, 105, 36, 0];
    const keys = ['a', 'b', 'c', 'd', 'topic', 'queueId', 'bornTimestamp', 'properties', 'é', 'k"q', '1', '2', 'x\u0001'];
    const strs = (): unknown => {
      const k = r();
      if (k < 0.3) return String(Math.floor(r() * 3));
      if (k < 0.4) return 'ab' + String(Math.floor(r() * 2)); // equal strings, different objects
      if (k < 0.45) return 'é' + String(Math.floor(r() * 2));
      if (k < 0.5) return '\u0001\u0002"\\\n' + String(Math.floor(r() * 2));
      if (k < 0.53) return 'x'.repeat(Math.floor(r() * 20000));
      if (k < 0.55) return '\ud800' + 'z';
      if (k < 0.6) return Math.floor(r() * 3);
      if (k < 0.62) return r() < 0.5 ? true : { o: 1 };
      if (k < 0.66) return null;
      if (k < 0.68) return undefined;
      if (k < 0.7) return 1.5;
      return String(1700000000000 + Math.floor(r() * 3));
    };
    let shared: Record<string, unknown> = {};
    for (let step = 0; step < 200; step++) {
      let ext: Record<string, unknown> | null;
      const mode = r();
      if (mode < 0.05) ext = null;
      else if (mode < 0.5) {
        // mutate shared object
        const op = r();
        if (op < 0.5) shared[pick(keys)] = strs();
        else if (op < 0.7) delete shared[pick(keys)];
        else if (op < 0.8) shared = {};
        ext = shared;
      } else {
        ext = {};
        const n = r() < 0.1 ? 30 + Math.floor(r() * 30) : Math.floor(r() * 6);
        for (let i = 0; i < n; i++) {
          const key = r() < 0.2 ? 'f' + i : pick(keys);
          ext[key] = strs();
        }
      }
      const command: RemotingCommand = {
        code: pick(codes),
        language: r() < 0.9 ? 'JAVA' : pick(['CPP', 'é', 'GO']),
        version: r() < 0.9 ? 409 : pick([0, 1, -3, 2 ** 31]),
        opaque: Math.floor(r() * 2 ** 32) - 2 ** 31,
        flag: r() < 0.9 ? 0 : pick([1, 2, 3, 2 ** 40]),
        remark: r() < 0.8 ? null : pick(['', 'x', 'é"']),
        extFields: ext as Record<string, string> | null,
        serializeType: 0,
        body: null,
      } as RemotingCommand;
      const bodyLength = Math.floor(r() * 100);
      let want: Buffer;
      try {
        want = expected(command, bodyLength);
      } catch {
        continue;
      }
      const useInto = r() < 0.7;
      if (useInto) {
        let size = Math.floor(r() * (r() < 0.5 ? 64 : 400));
        const offset = Math.floor(r() * 8);
        for (;;) {
          const target = Buffer.alloc(offset + size, 0xee);
          const end = encodeJsonFrameHeadInto(command, bodyLength, target, offset);
          assert.ok(target.subarray(0, offset).every((b) => b === 0xee), `seed ${seed} step ${step}: bytes before offset touched`);
          if (end >= 0) {
            assert.deepEqual(target.subarray(offset, end).toString('latin1'), want.toString('latin1'), `seed ${seed} step ${step}`);
            break;
          }
          size = size * 2 + 1;
        }
      } else {
        const got = encodeJsonFrameHead(command, bodyLength);
        assert.deepEqual(got.toString('latin1'), want.toString('latin1'), `seed ${seed} step ${step}`);
      }
    }
  }
});

test('head templates: repetitive producer-like traffic with retries matches jsonHeaderText', () => {
  for (let seed = 1; seed <= 40; seed++) {
    const r = rng(seed * 7919);
    const pick = <T>(xs: readonly T[]): T => xs[Math.floor(r() * xs.length)]!;
    const nKinds = 1 + Math.floor(r() * 7);
    const kinds = Array.from({ length: nKinds }, (_, k) => {
      const n = 1 + Math.floor(r() * (r() < 0.2 ? 45 : 8));
      const keys = Array.from({ length: n }, (_, i) => (i === 0 ? 'k' + (k % 3) : 'f' + Math.floor(r() * 60)));
      return { code: pick([10, 310, 320]), keys };
    });
    const pools = [
      ['0', '1', '2'],
      ['1700000000000', '1700000000001', '1700000000002', '170000000000'],
      ['a', 'é', 'ab', '\u0001', 'x"y', ''],
      ['aaaa', 'bbbb', 'cccc', 'dddddddd'],
    ];
    const big = 'y'.repeat(6000);
    let lastExt: Record<string, unknown> | null = null;
    for (let step = 0; step < 300; step++) {
      const kind = kinds[Math.floor(r() * r() * kinds.length)]!;
      let ext: Record<string, unknown>;
      if (lastExt !== null && r() < 0.2) {
        ext = lastExt;
        const key = pick(Object.keys(ext).length ? Object.keys(ext) : ['z']);
        ext[key] = r() < 0.9 ? pick(pick(pools)) : 7;
      } else {
        ext = {};
        const order = r() < 0.1 ? [...kind.keys].reverse() : kind.keys;
        for (const key of order) {
          const v = r();
          ext[key] = v < 0.02 ? null : v < 0.04 ? 5 : v < 0.05 ? big : v < 0.06 ? String(['a', 'b'].join('')) : pick(pools[key.length % pools.length]!);
        }
      }
      lastExt = ext;
      const command = {
        code: kind.code,
        language: r() < 0.95 ? 'JAVA' : 'GO',
        version: r() < 0.95 ? 409 : 400,
        opaque: step,
        flag: r() < 0.95 ? 0 : 2,
        remark: r() < 0.95 ? null : pick(['', 'r']),
        extFields: ext,
        serializeType: 0,
        body: null,
      } as unknown as RemotingCommand;
      const want = expected(command, 3);
      let size = r() < 0.5 ? Math.floor(r() * want.length) : want.length + Math.floor(r() * 20);
      for (;;) {
        const target = Buffer.alloc(size, 0xee);
        const end = encodeJsonFrameHeadInto(command, 3, target, 0);
        if (end >= 0) {
          assert.equal(target.subarray(0, end).toString('latin1'), want.toString('latin1'), `seed ${seed} step ${step}`);
          break;
        }
        size = size + 1 + Math.floor(r() * 40);
      }
    }
  }
});
