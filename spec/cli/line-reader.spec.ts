import assert from 'node:assert/strict';
import { Readable } from 'node:stream';
import { describe, it } from 'node:test';
import { readLines } from '../../src/cli/line-reader.js';

async function collect(chunks: (string | Buffer)[]): Promise<[number, string][]> {
  const lines: [number, string][] = [];
  for await (const line of readLines(Readable.from(chunks))) lines.push([line.number, line.text]);
  return lines;
}

describe('readLines', () => {
  it('splits on \\n and \\r\\n, keeps empty lines numbered, yields a last line without newline', async () => {
    assert.deepEqual(await collect(['a\r\nb', 'c\n\nd']), [
      [1, 'a'],
      [2, 'bc'],
      [3, ''],
      [4, 'd'],
    ]);
    assert.deepEqual(await collect(['x\n']), [[1, 'x']]);
    assert.deepEqual(await collect([]), []);
  });

  it('decodes UTF-8 characters split across chunks', async () => {
    const bytes = Buffer.from('héllo → wörld\nzwei\n');
    const chunks = [...bytes].map((byte) => Buffer.from([byte]));
    assert.deepEqual(await collect(chunks), [
      [1, 'héllo → wörld'],
      [2, 'zwei'],
    ]);
  });

  it('reads the stream only as far as lines are taken', async () => {
    let reads = 0;
    const source = new Readable({
      highWaterMark: 1,
      read() {
        reads += 1;
        this.push(`line ${reads}\n`);
      },
    });
    const lines = readLines(source);
    for (let i = 0; i < 3; i++) await lines.next();
    await new Promise((resolve) => setImmediate(resolve));
    assert.ok(reads < 20, `read ${reads} chunks for 3 lines`);
    await lines.return(undefined);
    source.destroy();
  });
});
