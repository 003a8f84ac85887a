import { encodeFrameHeadInto } from '../../src/remoting/frame-codec.js';
import { createRequest, type RemotingCommand } from '../../src/remoting/remoting-command.js';
const BODY = Buffer.alloc(1024, 0x61);
const mk = (i: number) => createRequest(310, { a: 'BenchGroup', b: 'BenchTopic', c: 'TBW102', d: '4', e: String(i & 3), f: '0', g: '1700000000000', h: '0', i: 'UNIQ_KEY\u0001C0A8000230391B6D358647B760000000\u0002WAIT\u0001true', j: '0', k: 'false', m: 'false', n: 'broker-a' }, { body: BODY });
const reqs = Array.from({ length: 1024 }, (_, i) => mk(i));
const slab = Buffer.allocUnsafe(1 << 20);
function bench(name: string, fn: (i: number) => unknown) {
  const N = 2_000_000;
  for (let i = 0; i < 200000; i++) fn(i);
  const t = process.cpuUsage();
  for (let i = 0; i < N; i++) fn(i);
  const u = process.cpuUsage(t); console.log(name, ((u.user + u.system) * 1000 / N).toFixed(0), 'ns');
}
const NO_ROOM = { noRoom: true };
const B_CODE = Buffer.from('{"code":'), B_EXT = Buffer.from(',"extFields":{'), B_FLAG = Buffer.from('},"flag":'), B_FLAG1 = Buffer.from(',"flag":'), B_LANG = Buffer.from(',"language":'), B_OPQ = Buffer.from(',"opaque":'), B_REM = Buffer.from(',"remark":'), B_TAIL = Buffer.from(',"serializeTypeCurrentRPC":"JSON","version":');
function putInt(buf: Uint8Array, pos: number, value: number, limit: number): number {
  if (pos + 11 > limit) throw NO_ROOM;
  let v = value;
  if (v < 0) { buf[pos++] = 0x2d; v = -v; }
  if (v < 10) { buf[pos] = 0x30 + v; return pos + 1; }
  let digits = 1;
  for (let t = v; t >= 10; t = Math.floor(t / 10)) digits++;
  let at = pos + digits;
  const end = at;
  while (v >= 10) { const q = Math.floor(v / 10); buf[--at] = 0x30 + (v - q * 10); v = q; }
  buf[--at] = 0x30 + v;
  return end;
}
function putBytes(buf: Uint8Array, pos: number, bytes: Uint8Array, limit: number): number {
  if (pos + bytes.length > limit) throw NO_ROOM;
  buf.set(bytes, pos);
  return pos + bytes.length;
}
function putString(buf: Uint8Array, pos: number, value: string, limit: number): number {
  const length = value.length;
  if (pos + 6 * length + 2 > limit) throw NO_ROOM;
  buf[pos] = 0x22;
  let at = pos + 1;
  for (let i = 0; i < length; i++) {
    const c = value.charCodeAt(i);
    if (c >= 0x20 && c !== 0x22 && c !== 0x5c) {
      if (c < 0x80) { buf[at++] = c; continue; }
      return -1;
    }
    buf[at++] = 0x5c;
    buf[at++] = 0x75; buf[at++] = 0x30; buf[at++] = 0x30; buf[at++] = 0x30 + (c >> 4); buf[at++] = 0x30 + (c & 0xf); // simplified
  }
  buf[at++] = 0x22;
  return at;
}
function isInt(n: number) { return (n | 0) === n; }
function encode2(command: RemotingCommand, bodyLength: number, buf: Buffer, start: number): number {
  const limit = buf.length;
  let pos = putBytes(buf, start + 8, B_CODE, limit);
  pos = putInt(buf, pos, command.code, limit);
  const ext = command.extFields;
  if (ext !== null) {
    pos = putBytes(buf, pos, B_EXT, limit);
    let first = true;
    for (const key in ext) {
      const value = ext[key];
      if (value === undefined || value === null) continue;
      if (!first) { buf[pos++] = 0x2c; }
      first = false;
      pos = putString(buf, pos, key, limit);
      buf[pos++] = 0x3a;
      pos = putString(buf, pos, value, limit);
    }
    pos = putBytes(buf, pos, B_FLAG, limit);
  } else pos = putBytes(buf, pos, B_FLAG1, limit);
  pos = putInt(buf, pos, command.flag, limit);
  pos = putBytes(buf, pos, B_LANG, limit);
  pos = putString(buf, pos, command.language, limit);
  pos = putBytes(buf, pos, B_OPQ, limit);
  pos = putInt(buf, pos, command.opaque, limit);
  pos = putBytes(buf, pos, B_TAIL, limit);
  pos = putInt(buf, pos, command.version, limit);
  buf[pos++] = 0x7d;
  const headerLength = pos - start - 8;
  buf.writeInt32BE(4 + headerLength + bodyLength, start);
  buf.writeInt32BE(headerLength, start + 4);
  return pos;
}
let pos = 0;
for (let r = 0; r < 3; r++) {
bench('encodeFrameHeadInto', (i) => { const end = encodeFrameHeadInto(reqs[i & 1023]!, 1024, slab, pos); pos = end > 1000000 ? 0 : end; });
bench('encode2', (i) => { const end = encode2(reqs[i & 1023]!, 1024, slab, pos); pos = end > 1000000 ? 0 : end; });
}
const a = Buffer.allocUnsafe(1000), b = Buffer.allocUnsafe(1000);
const ea = encodeFrameHeadInto(reqs[5]!, 1024, a, 0), eb = encode2(reqs[5]!, 1024, b, 0);
console.log(ea, eb, a.subarray(0, ea).equals(b.subarray(0, eb)));
function iterOnly(command: RemotingCommand): number { let n = 0; const ext = command.extFields!; for (const key in ext) { const v = ext[key]; if (v === undefined || v === null) continue; n += key.length + v.length; } return n; }
function charsOnly(command: RemotingCommand): number { let n = 0; const ext = command.extFields!; for (const key in ext) { const v = ext[key]!; for (let i = 0; i < v.length; i++) n += v.charCodeAt(i); } return n; }
for (let r = 0; r < 2; r++) {
bench('iterOnly', (i) => iterOnly(reqs[i & 1023]!));
bench('charsOnly', (i) => charsOnly(reqs[i & 1023]!));
}
