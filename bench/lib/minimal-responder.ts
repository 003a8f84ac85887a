/**
 * The least possible SEND_MESSAGE_V2 responder, in a child process of its own (so `process.cpuUsage()` of the bench
 * counts the client alone): it answers every request frame with one canned answer carrying the request's opaque,
 * parsing nothing else. JSON requests get the JSON answer (`jsonParts`: its header text split around the opaque);
 * ROCKETMQ requests get `binaryFrame` (a whole answer frame whose opaque is patched in place), when one is given.
 */
import { spawn } from 'node:child_process';

const RESPONDER = `
const { createServer } = require('node:net');
const [before, after, binaryHex] = JSON.parse(process.argv[1]);
const binary = binaryHex === null ? null : Buffer.from(binaryHex, 'hex');
const OPAQUE_KEY = Buffer.from('"opaque":');
const server = createServer((socket) => {
  socket.setNoDelay(true);
  let pending = null;
  socket.on('error', () => {});
  socket.on('data', (chunk) => {
    const buf = pending === null ? chunk : Buffer.concat([pending, chunk]);
    let pos = 0;
    const out = [];
    while (buf.length - pos >= 4) {
      const size = buf.readInt32BE(pos) + 4;
      if (buf.length - pos < size) break;
      if (binary !== null && buf[pos + 4] === 1) {
        const response = Buffer.from(binary);
        response.writeInt32BE(buf.readInt32BE(pos + 13), 13);
        out.push(response);
      } else {
        const headerEnd = pos + 8 + (buf.readInt32BE(pos + 4) & 0xffffff);
        let at = buf.indexOf(OPAQUE_KEY, pos + 8) + OPAQUE_KEY.length;
        let sign = 1;
        if (buf[at] === 45) { sign = -1; at++; }
        let opaque = 0;
        while (at < headerEnd && buf[at] >= 48 && buf[at] <= 57) opaque = opaque * 10 + (buf[at++] - 48);
        const header = before + ((opaque * sign) | 0) + after;
        const response = Buffer.allocUnsafe(8 + header.length);
        response.writeInt32BE(4 + header.length, 0);
        response.writeInt32BE(header.length, 4);
        response.latin1Write(header, 8);
        out.push(response);
      }
      pos += size;
    }
    pending = pos < buf.length ? buf.subarray(pos) : null;
    if (out.length > 0) socket.write(out.length === 1 ? out[0] : Buffer.concat(out));
  });
});
server.listen(0, '127.0.0.1', () => process.stdout.write(server.address().port + '\\n'));
`;

/** A running responder: its `host:port` and how to stop it. */
export interface MinimalResponder {
  readonly address: string;
  stop(): void;
}

/**
 * Starts the responder.
 * @param jsonParts - the JSON answer header text before and after its opaque
 * @param binaryFrame - the ROCKETMQ answer frame for ROCKETMQ requests (none: every request gets the JSON answer)
 */
export async function startMinimalResponder(jsonParts: readonly string[], binaryFrame: Buffer | null = null): Promise<MinimalResponder> {
  const args = JSON.stringify([jsonParts[0], jsonParts[1], binaryFrame === null ? null : binaryFrame.toString('hex')]);
  const child = spawn(process.execPath, ['-e', RESPONDER, args], { stdio: ['ignore', 'pipe', 'inherit'] });
  const port = await new Promise<string>((resolve) => child.stdout.once('data', (chunk: Buffer) => resolve(chunk.toString().trim())));
  return { address: `127.0.0.1:${port}`, stop: () => child.kill() };
}
