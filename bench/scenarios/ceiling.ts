/**
 * The ceiling: the most a Node client can get from this broker on this machine. A raw socket writes
 * SEND_MESSAGE_V2 frames encoded once up front (the same header and wire body the producer sends; only the
 * opaque's digits are patched in place) and counts response frames by their length prefixes, parsing nothing else.
 */
import { connect, type Socket } from 'node:net';
import { decodeFrame, encodeFrame } from '../../src/remoting/frame-codec.js';
import { createRequest } from '../../src/remoting/remoting-command.js';
import { RequestCode } from '../../src/remoting/request-code.js';
import { compressBody, COMPRESSED_ZLIB_SYSFLAG } from '../../src/message/compression.js';
import { createUniqueId } from '../../src/message/message-id.js';
import { collectGarbage, cpuDelta, sampleRss, type Measurement } from '../lib/measure.js';
import { summarizeLatencies } from '../lib/stats.js';
import { benchSendHeader } from '../lib/fixtures.js';

/** Bodies of at least this many bytes go compressed, as with the producer's default `compressMsgBodyOverHowmuch`. */
const COMPRESS_OVER = 4096;
/** Opaques are written as exactly 10 decimal digits so they can be patched in place: 1e9 … 2^31−1. */
const OPAQUE_MIN = 1_000_000_000;
const OPAQUE_MAX = 2_147_483_647;

/** One pre-encoded request frame and where its opaque digits are. */
interface FrameSlot {
  frame: Buffer;
  opaqueAt: number;
}

/**
 * Encodes the request the producer would send for `body` (JSON header, V2 short keys, UNIQ_KEY + WAIT properties,
 * zlib body from 4 KiB) with a 10-digit placeholder opaque.
 */
export function encodeCeilingFrame(body: Buffer, brokerName: string, queueId: number): FrameSlot {
  const compressed = body.length >= COMPRESS_OVER;
  const wireBody = compressed ? compressBody(body) : body;
  const request = createRequest(
    RequestCode.SEND_MESSAGE_V2,
    benchSendHeader(queueId, compressed ? COMPRESSED_ZLIB_SYSFLAG : 0, brokerName, createUniqueId()),
    { body: wireBody, opaque: OPAQUE_MIN },
  );
  const frame = encodeFrame(request);
  const marker = Buffer.from(`"opaque":${OPAQUE_MIN}`, 'latin1');
  const at = frame.indexOf(marker);
  if (at < 0) throw new Error('ceiling: cannot find the opaque in the encoded header');
  return { frame, opaqueAt: at + marker.length - 10 };
}

function patchOpaque(slot: FrameSlot, opaque: number): void {
  const frame = slot.frame;
  let n = opaque;
  for (let i = slot.opaqueAt + 9; i >= slot.opaqueAt; i--) {
    frame[i] = 48 + (n % 10);
    n = Math.floor(n / 10);
  }
}

/**
 * One round trip decoded in full before the counted loop: the frames must be answered with SUCCESS, or the ceiling
 * would be measuring error responses.
 */
async function probe(socket: Socket, slot: FrameSlot): Promise<void> {
  const response = await new Promise<Buffer>((resolve, reject) => {
    let buffered = Buffer.alloc(0);
    const onData = (chunk: Buffer): void => {
      buffered = Buffer.concat([buffered, chunk]);
      if (buffered.length >= 4 && buffered.length >= 4 + buffered.readInt32BE(0)) {
        socket.off('data', onData);
        resolve(buffered);
      }
    };
    socket.on('data', onData);
    socket.once('error', reject);
    socket.write(slot.frame);
  });
  const command = decodeFrame(response.subarray(0, 4 + response.readInt32BE(0)));
  if (command.code !== 0) throw new Error(`ceiling: the broker answered code ${command.code} (${command.remark ?? ''}) to the raw frame`);
}

/** Options of {@link measureCeiling}. */
export interface CeilingOptions {
  brokerAddr: string;
  brokerName: string;
  body: Buffer;
  inFlight: number;
  messages: number;
  warmup: number;
  /** Queues of the topic; frames rotate over them like the producer's round robin. @defaultValue `4` */
  queues?: number;
  /** CPU time so far of the broker process, µs. */
  brokerCpu?: () => number | null;
}

/** Runs the raw-frame loop: warm-up, then `messages` round trips with `inFlight` outstanding. */
export async function measureCeiling(options: CeilingOptions): Promise<Measurement> {
  const { inFlight } = options;
  const queues = options.queues ?? 4;
  // A frame is patched again only after a later frame was answered, which (TCP being ordered) means the broker
  // already read it: 2 × inFlight slots leave room for responses that come back out of order.
  const ringSize = 2 * inFlight;
  const slots: FrameSlot[] = [];
  for (let i = 0; i < ringSize; i++) slots.push(encodeCeilingFrame(options.body, options.brokerName, i % queues));
  const [host, port] = options.brokerAddr.split(':') as [string, string];
  const socket: Socket = connect({ host, port: Number(port), noDelay: true });
  await new Promise<void>((resolve, reject) => {
    socket.once('connect', resolve);
    socket.once('error', reject);
  });

  await probe(socket, slots[0]!);

  let opaque = OPAQUE_MIN;
  let issued = 0;
  let completed = 0;
  let target = 0;
  const issueTimes = new Float64Array(ringSize);
  let latencies = new Float64Array(1);
  let onTarget: (() => void) | null = null;

  const issue = (count: number): void => {
    if (count <= 0) return;
    const now = performance.now();
    socket.cork();
    for (let k = 0; k < count; k++) {
      const slot = slots[issued % ringSize]!;
      patchOpaque(slot, opaque);
      opaque = opaque === OPAQUE_MAX ? OPAQUE_MIN : opaque + 1;
      issueTimes[issued % ringSize] = now;
      issued++;
      socket.write(slot.frame);
    }
    socket.uncork();
  };

  // Response frames are skipped by their length prefix; a prefix split across chunks is assembled byte by byte.
  let skip = 0;
  let prefix = 0;
  let prefixBytes = 0;
  socket.on('data', (chunk: Buffer) => {
    const now = performance.now();
    let answered = 0;
    let pos = 0;
    const length = chunk.length;
    while (pos < length) {
      if (skip > 0) {
        const take = Math.min(skip, length - pos);
        skip -= take;
        pos += take;
        if (skip === 0) answered++;
      } else if (prefixBytes === 0 && length - pos >= 4) {
        skip = chunk.readInt32BE(pos);
        pos += 4;
        if (skip === 0) answered++;
      } else {
        prefix = (prefix << 8) | chunk[pos++]!;
        if (++prefixBytes === 4) {
          skip = prefix;
          prefix = 0;
          prefixBytes = 0;
          if (skip === 0) answered++;
        }
      }
    }
    // Responses come back in request order from this broker, so the k-th response answers the k-th request.
    for (let k = 0; k < answered; k++) {
      const index = completed + k;
      if (index < latencies.length) latencies[index] = now - issueTimes[index % ringSize]!;
    }
    completed += answered;
    issue(Math.min(answered, target - issued));
    if (completed >= target && onTarget !== null) {
      const resolve = onTarget;
      onTarget = null;
      resolve();
    }
  });

  const phase = (count: number): Promise<void> =>
    new Promise<void>((resolve, reject) => {
      issued = 0;
      completed = 0;
      target = count;
      latencies = new Float64Array(count).fill(NaN);
      onTarget = resolve;
      socket.once('error', reject);
      issue(Math.min(inFlight, count));
    });

  try {
    collectGarbage(); // before the warm-up, not after it: see collectGarbage
    if (options.warmup > 0) await phase(options.warmup);
    const rss = sampleRss();
    const broker0 = options.brokerCpu?.();
    const cpu0 = process.cpuUsage();
    const t0 = performance.now();
    await phase(options.messages);
    const seconds = (performance.now() - t0) / 1000;
    const cpu = process.cpuUsage(cpu0);
    const brokerCpuMicros = cpuDelta(broker0, options.brokerCpu?.());
    const peakRssBytes = rss.stop();
    return {
      messages: options.messages,
      errors: 0,
      seconds,
      latency: summarizeLatencies(latencies, options.messages),
      cpuMicros: cpu.user + cpu.system,
      brokerCpuMicros,
      peakRssBytes,
      firstError: undefined,
    };
  } finally {
    socket.destroy();
  }
}
