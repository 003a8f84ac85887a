/**
 * Micro benchmarks (tinybench) of the per-send costs the async profile pointed at, so BENCHMARKS.md can quote what
 * each one costs on its own, away from the noise of the end-to-end rows.
 *
 *   npx tsx bench/hot-spots.bench.ts
 */
import { Bench } from 'tinybench';
import { defer, from, lastValueFrom, of, throwError, timeout } from 'rxjs';
import { MQClientError, RemotingTimeoutError } from '../src/errors.js';

const noop = (): void => {};
const route = { topic: 'BenchTopic' };

// Deep enough that an Error captures a full stack (Error.stackTraceLimit frames), as inside the send pipeline.
function atDepth<T>(depth: number, fn: () => T): T {
  return depth === 0 ? fn() : atDepth(depth - 1, fn);
}

const bench = new Bench({ time: 500, warmupTime: 200 });
bench
  .add('new MQClientError (sendAsync complete handler, per send before the fix)', () => {
    atDepth(30, () => new MQClientError('the send completed without a result', -1, { code: 'RMQ_ERR_NO_RESULT' }));
  })
  .add('no error built (after the fix)', () => {
    atDepth(30, noop);
  })
  .add('of(x).subscribe(): baseline for the next row', () => {
    of(route).subscribe(noop);
  })
  .add('of(x).pipe(timeout(3000)).subscribe(): one asyncScheduler timer armed and cleared', () => {
    of(route)
      .pipe(timeout({ first: 3000, with: () => throwError(() => new RemotingTimeoutError('timed out', 3000)) }))
      .subscribe(noop);
  })
  .add('lastValueFrom(of(route)): a cached route handed over synchronously', async () => {
    await lastValueFrom(of(route));
  })
  .add('lastValueFrom(defer(() => from(Promise))): a cached route through a Promise (resolveRoute)', async () => {
    await lastValueFrom(defer(() => from(Promise.resolve(route))));
  });

await bench.run();
console.log('per-operation cost (mean, µs):');
for (const task of bench.tasks) {
  const latency = task.result?.latency;
  const micros = latency === undefined ? NaN : latency.mean * 1000;
  console.log(`  ${micros.toFixed(3).padStart(8)}  ${task.name}`);
}
