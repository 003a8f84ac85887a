import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { networkInterfaces } from 'node:os';
import fc from 'fast-check';
import { RocketMQError } from '../../src/errors.js';
import {
  createOffsetMessageId,
  createUniqueId,
  decodeOffsetMessageId,
  localIPv4,
  monthWindow,
  UniqueIdGenerator,
  uniqueIdFromFields,
} from '../../src/message/message-id.js';
import { UNIQ_0 } from './golden-bytes.js';

type Interfaces = ReturnType<typeof networkInterfaces>;
const iface = (...addresses: string[]): Interfaces['x'] =>
  addresses.map((address) => ({
    address, family: address.includes(':') ? 'IPv6' as const : 'IPv4' as const, netmask: '', mac: '', internal: false,
    cidr: null, scopeid: 0,
  })) as Interfaces['x'];

describe('message-id: client unique id (spec §9.6)', () => {
  it('builds the spec example from explicit fields', () => {
    assert.equal(
      uniqueIdFromFields({ ip: '192.168.0.2', pid: 12345, hash: 0x1b6d3586, millisSinceMonthStart: 1_203_200_000, counter: 0 }),
      UNIQ_0,
    );
    assert.equal(
      uniqueIdFromFields({ ip: [192, 168, 0, 2] as unknown as Uint8Array, pid: 12345 + 65536, hash: 0x1b6d3586, millisSinceMonthStart: 1_203_200_000, counter: 65536 }),
      UNIQ_0,
    );
  });

  it('generator reproduces the example at 2023-11-14T22:13:20Z when the local zone is UTC-aligned', () => {
    const now = Date.parse('2023-11-14T22:13:20Z');
    const generator = new UniqueIdGenerator({ ip: '192.168.0.2', pid: 12345, hash: 0x1b6d3586, clock: () => now });
    assert.equal(generator.prefix, 'C0A8000230391B6D3586');
    const diff = now - monthWindow(now).start;
    const expected = uniqueIdFromFields({ ip: '192.168.0.2', pid: 12345, hash: 0x1b6d3586, millisSinceMonthStart: diff, counter: 0 });
    assert.equal(generator.next(), expected);
    if (new Date(now).getTimezoneOffset() === 0) assert.equal(expected, UNIQ_0);
  });

  it('counts up, wraps at 16 bits, recomputes the month start on rollover', () => {
    let now = new Date(2024, 0, 31, 23, 59, 59, 999).getTime();
    const generator = new UniqueIdGenerator({ ip: '10.0.0.1', pid: 1, hash: 2, clock: () => now, counter: 0xfffe });
    const a = generator.next();
    const b = generator.next();
    assert.equal(a.slice(28), 'FFFE');
    assert.equal(b.slice(28), 'FFFF');
    assert.equal(parseInt(a.slice(20, 28), 16), now - new Date(2024, 0, 1).getTime());
    now = new Date(2024, 1, 1, 0, 0, 0, 5).getTime();
    const c = generator.next();
    assert.equal(c.slice(28), '0000');
    assert.equal(c.slice(20, 28), '00000005');
  });

  it('clamps a slightly negative difference to 0, as Java', () => {
    let now = new Date(2024, 1, 1, 0, 0, 1).getTime();
    const generator = new UniqueIdGenerator({ ip: '10.0.0.1', pid: 1, hash: 2, clock: () => now });
    generator.next();
    now -= 2000; // clock stepped back into January
    assert.equal(generator.next().slice(20, 28), '00000000');
  });

  it('createUniqueId gives 32 upper-case hex characters with a fixed prefix and distinct ids', () => {
    const ids = new Set<string>();
    const first = createUniqueId();
    for (let i = 0; i < 1000; i++) {
      const id = createUniqueId();
      assert.match(id, /^[0-9A-F]{32}$/);
      assert.equal(id.slice(0, 20), first.slice(0, 20));
      ids.add(id);
    }
    assert.equal(ids.size, 1000);
    assert.equal(parseInt(first.slice(8, 12), 16), process.pid & 0xffff);
  });

  it('localIPv4 picks the first public address, else the first private one, loopback last (Java UtilAll.getIP)', () => {
    assert.deepEqual([...localIPv4({ lo: iface('127.0.0.1', '::1'), eth0: iface('192.168.1.5', '10.0.0.1'), eth1: iface('8.8.4.4') })!], [8, 8, 4, 4]);
    assert.deepEqual([...localIPv4({ lo: iface('127.0.0.1'), eth0: iface('172.20.0.3'), eth1: iface('10.1.2.3') })!], [172, 20, 0, 3]);
    assert.deepEqual([...localIPv4({ a: iface('172.15.0.1') })!], [172, 15, 0, 1]); // not private: 172.16/12 only
    assert.deepEqual([...localIPv4({ a: iface('169.254.3.4'), b: iface('10.0.0.1') })!], [169, 254, 3, 4]);
    assert.deepEqual([...localIPv4({ lo: iface('127.0.0.1', 'fe80::1') })!], [127, 0, 0, 1]);
    assert.equal(localIPv4({ v6only: iface('2001:db8::1') }), null);
    assert.equal(localIPv4({}), null);
  });
});

describe('message-id: offset message id (spec §11.2)', () => {
  it('encodes and decodes the spec example', () => {
    assert.equal(createOffsetMessageId('127.0.0.1:10911', 0x1234n), '7F00000100002A9F0000000000001234');
    assert.deepEqual(decodeOffsetMessageId('7F00000100002A9F0000000000001234'), { address: '127.0.0.1:10911', commitLogOffset: 0x1234n });
    assert.deepEqual(decodeOffsetMessageId('7f00000100002a9f0000000000001234').commitLogOffset, 0x1234n);
  });

  it('handles IPv6 store hosts (56 characters)', () => {
    const id = createOffsetMessageId('[::1]:10911', 42n);
    assert.equal(id.length, 56);
    assert.equal(id, '00000000000000000000000000000001' + '00002A9F' + '000000000000002A');
    assert.deepEqual(decodeOffsetMessageId(id), { address: '[::1]:10911', commitLogOffset: 42n });
    assert.equal(createOffsetMessageId('fe80::1:2:10911', 1n), createOffsetMessageId('[fe80::1:2]:10911', 1n));
    assert.equal(decodeOffsetMessageId(createOffsetMessageId('[2001:db8::ffff:1.2.3.4]:1', 1n)).address, '[2001:db8::ffff:102:304]:1');
  });

  it('round-trips any address and offset', () => {
    fc.assert(
      fc.property(fc.oneof(fc.ipV4(), fc.ipV6()), fc.integer({ min: 0, max: 65535 }), fc.bigInt({ min: 0n, max: (1n << 63n) - 1n }),
        (ip, port, offset) => {
          const host = ip.includes(':') ? `[${ip}]:${port}` : `${ip}:${port}`;
          const id = createOffsetMessageId(host, offset);
          const decoded = decodeOffsetMessageId(id);
          assert.equal(decoded.commitLogOffset, offset);
          assert.equal(createOffsetMessageId(decoded.address, offset), id);
        }),
      { numRuns: 300 },
    );
  });

  it('rejects malformed ids and addresses with stable codes', () => {
    for (const bad of ['', '7F00', '7F00000100002A9F000000000000123', 'ZZ00000100002A9F0000000000001234', `${'0'.repeat(40)}`]) {
      assert.throws(() => decodeOffsetMessageId(bad), (err: unknown) => err instanceof RocketMQError && err.code === 'RMQ_ERR_INVALID_MESSAGE_ID');
    }
    for (const bad of ['127.0.0.1', 'host:10911', '127.0.0.1:99999', '127.0.0.1:', ':1']) {
      assert.throws(() => createOffsetMessageId(bad, 1n), (err: unknown) => err instanceof RocketMQError && err.code === 'RMQ_ERR_INVALID_ADDRESS');
    }
  });
});
