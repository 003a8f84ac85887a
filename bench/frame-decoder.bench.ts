/**
 * The inbound side of batches: `FrameDecoder.push` over a stream of SEND_BATCH_MESSAGE-sized frames (68 KiB bodies)
 * arriving in socket-sized chunks (64 KiB, so that most frames straddle two chunks), each frame's command
 * dropped after its callback as a broker that copies the records out would. CPU µs per frame and full GCs per 10,000
 * frames (`--trace-gc` style counts from `PerformanceObserver`).
 *
 *   npx tsx bench/frame-decoder.bench.ts [seconds] [chunk-bytes]
 */
import { PerformanceObserver } from 'node:perf_hooks';
import { encodeFrame } from '../src/remoting/frame-codec.js';
import { FrameDecoder } from '../src/remoting/frame-decoder.js';
import { createRequest } from '../src/remoting/remoting-command.js';

const SECONDS = Number(process.argv[2] ?? 3);
const CHUNK = Number(process.argv[3] ?? 65536);
const frame = encodeFrame(createRequest(320, { a: 'PG', b: 'BenchTopic', m: 'true' }, { opaque: 1, body: Buffer.alloc(68 * 1024, 7) }));
// 64 frames back to back, cut into chunks (made once: the row measures the decoder, not the copy a socket makes).
const stream = Buffer.concat(Array.from({ length: 64 }, () => frame));
const chunks: Buffer[] = [];
for (let from = 0; from < stream.length; from += CHUNK) chunks.push(Buffer.from(stream.subarray(from, from + CHUNK)));

let majorGcs = 0;
new PerformanceObserver((list) => {
  for (const entry of list.getEntries()) if ((entry as unknown as { detail?: { kind?: number } }).detail?.kind === 4) majorGcs++;
}).observe({ entryTypes: ['gc'] });

for (const measured of [false, true]) {
  const decoder = new FrameDecoder();
  let frames = 0;
  const ms = measured ? SECONDS * 1000 : 500;
  majorGcs = 0;
  const t0 = performance.now();
  const cpu0 = process.cpuUsage();
  while (performance.now() - t0 < ms) {
    for (const chunk of chunks) {
      decoder.push(chunk, () => {
        frames++;
      });
    }
    await new Promise(setImmediate);
  }
  const cpu = process.cpuUsage(cpu0);
  if (measured) {
    console.log(
      `68 KiB frames in ${CHUNK}-byte chunks: ${((cpu.user + cpu.system) / frames).toFixed(2)} µs CPU/frame, ` +
        `${((majorGcs * 10_000) / frames).toFixed(2)} full GCs per 10,000 frames (${frames} frames)`,
    );
  }
}
