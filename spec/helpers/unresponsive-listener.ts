import { connect, type Socket } from 'node:net';
import { Worker } from 'node:worker_threads';

/**
 * A loopback address where TCP connects hang: a listener with backlog 1 in a worker thread that never accepts
 * (it blocks in `Atomics.wait`), with its accept queue filled by filler connections so that further SYNs are
 * dropped. `address` is `null` if this kernel completed every filler connect (then tests should skip).
 */
export async function unresponsiveListener(): Promise<{ address: string | null; close: () => Promise<void> }> {
  const flag = new Int32Array(new SharedArrayBuffer(4));
  const worker = new Worker(
    `const net = require('node:net');
     const { workerData, parentPort } = require('node:worker_threads');
     const server = net.createServer(() => {});
     server.listen({ port: 0, host: '127.0.0.1', backlog: 1 }, () => {
       parentPort.postMessage(server.address().port);
       setTimeout(() => { Atomics.wait(workerData, 0, 0, 30000); process.exit(0); }, 10);
     });`,
    { eval: true, workerData: flag },
  );
  const port = await new Promise<number>((resolve) => worker.once('message', resolve));
  await new Promise((resolve) => setTimeout(resolve, 50));
  const fillers: Socket[] = [];
  let full = false;
  for (let i = 0; i < 8 && !full; i++) {
    const socket = connect(port, '127.0.0.1');
    socket.on('error', () => {});
    fillers.push(socket);
    full = !(await new Promise<boolean>((resolve) => {
      const timer = setTimeout(() => resolve(false), 200);
      socket.once('connect', () => {
        clearTimeout(timer);
        resolve(true);
      });
    }));
  }
  return {
    address: full ? `127.0.0.1:${port}` : null,
    close: async () => {
      for (const socket of fillers) socket.destroy();
      Atomics.store(flag, 0, 1);
      Atomics.notify(flag, 0);
      await new Promise((resolve) => worker.once('exit', resolve));
    },
  };
}
