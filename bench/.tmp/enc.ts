import { encodeFrameHeadInto, encodeFrameHead } from '../../src/remoting/frame-codec.js';
import { createRequest } from '../../src/remoting/remoting-command.js';
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
let pos = 0;
for (let r = 0; r < 3; r++) {
bench('encodeFrameHeadInto', (i) => { const end = encodeFrameHeadInto(reqs[i & 1023]!, 1024, slab, pos); pos = end > 1000000 ? 0 : end; });
bench('encodeFrameHead', (i) => encodeFrameHead(reqs[i & 1023]!));
}
console.log(encodeFrameHead(reqs[0]!).length);
import { jsonHeaderText } from '../../src/remoting/header-codec.js';
const PLAIN = /^[\x20\x21\x23-\x5b\x5d-\x7e]*$/;
function textFast(command: any): string {
  let text = '{"code":' + command.code;
  const ext = command.extFields;
  if (ext !== null) {
    text += ',"extFields":{';
    let first = true;
    for (const key in ext) {
      const value = ext[key];
      if (value === undefined || value === null) continue;
      text += (first ? '"' : ',"') + (PLAIN.test(key) ? key : JSON.stringify(key).slice(1, -1)) + '":' + (typeof value === 'string' && PLAIN.test(value) ? '"' + value + '"' : JSON.stringify(value));
      first = false;
    }
    text += '}';
  }
  text += ',"flag":' + command.flag + ',"language":' + JSON.stringify(command.language) + ',"opaque":' + command.opaque;
  if (command.remark !== null) text += ',"remark":' + JSON.stringify(command.remark);
  return text + ',"serializeTypeCurrentRPC":"JSON","version":' + command.version + '}';
}
for (let r = 0; r < 3; r++) {
bench('jsonHeaderText+utf8Write', (i) => { const t = jsonHeaderText(reqs[i & 1023]!); const n = slab.utf8Write(t, pos + 8); pos = pos + 8 + n > 1000000 ? 0 : pos + 8 + n; });
bench('textFast+latin1Write', (i) => { const t = textFast(reqs[i & 1023]!); const n = slab.latin1Write(t, pos + 8); pos = pos + 8 + n > 1000000 ? 0 : pos + 8 + n; });
}
