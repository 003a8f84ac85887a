/**
 * What `publish` could skip per message because it knows the stream ahead: the per-send steps that a burst of
 * messages to one topic repeats with the same inputs. Each row is CPU ns per message of just that step, hot, in a
 * loop of 512 (one publish burst) repeated for a few seconds; compare with the ~3 µs of a whole pipeline send
 * (`publish.bench.ts`) and the ~15–20 µs of a send end to end (`npm run bench`).
 *
 *   npx tsx bench/publish-skippable.bench.ts [seconds-per-row]
 */
import { MQFaultStrategy } from '../src/producer/fault/mq-fault-strategy.js';
import { CoarseTimerScheduler, type CoarseTimerBucket, type CoarseTimerEntry } from '../src/producer/coarse-timer-scheduler.js';
import { vipChannelAddress } from '../src/producer/namespace.js';
import { hasSendQueues, masterAddress, topicRouteToPublishInfo } from '../src/route/topic-publish-info.js';

const SECONDS = Number(process.argv[2] ?? 2);
const BURST = 512;
const route = topicRouteToPublishInfo('BenchTopic', {
  queueDatas: [{ brokerName: 'broker-a', readQueueNums: 4, writeQueueNums: 4, perm: 6, topicSysFlag: 0 }],
  brokerDatas: [{ cluster: 'C', brokerName: 'broker-a', brokerAddrs: { '0': '127.0.0.1:10911' } }],
  filterServerTable: {},
} as never);
const routes = new Map([['BenchTopic', { info: route, stale: false }]]);
const strategy = new MQFaultStrategy({ sendLatencyFaultEnable: false });
const scheduler = new CoarseTimerScheduler();
class Entry implements CoarseTimerEntry {
  bucket: CoarseTimerBucket | null = null;
  slot = -1;
  onTimer(): void {}
}
const entries = Array.from({ length: BURST }, () => new Entry());
const inflight = new Set<object>();
let sink = 0;

const rows: [string, () => void][] = [
  ['route: cached publish info', () => {
    for (let i = 0; i < BURST; i++) {
      const entry = routes.get('BenchTopic');
      if (entry !== undefined && !entry.stale && hasSendQueues(entry.info)) sink++;
    }
  }],
  ['queue: select + master address + brokersSent', () => {
    for (let i = 0; i < BURST; i++) {
      const queue = strategy.selectOneMessageQueue(route, null, false);
      const addr = vipChannelAddress(false, masterAddress(route, queue.brokerName)!);
      const sent = [queue.brokerName];
      sink += addr.length + sent.length;
    }
  }],
  ['deadline: coarse-timer enqueue + dequeue', () => {
    const now = Date.now();
    for (let i = 0; i < BURST; i++) scheduler.enqueue(entries[i]!, 3000, now);
    for (let i = 0; i < BURST; i++) scheduler.dequeue(entries[i]!);
  }],
  ['clock: Date.now()', () => {
    for (let i = 0; i < BURST; i++) sink += Date.now() & 1;
  }],
  ['in-flight Set add + delete', () => {
    for (let i = 0; i < BURST; i++) inflight.add(entries[i]!);
    for (let i = 0; i < BURST; i++) inflight.delete(entries[i]!);
  }],
];

for (const [name, run] of rows) {
  for (const measured of [false, true]) {
    const ms = measured ? SECONDS * 1000 : 300;
    let count = 0;
    const t0 = performance.now();
    const cpu0 = process.cpuUsage();
    while (performance.now() - t0 < ms) {
      run();
      count += BURST;
    }
    const cpu = process.cpuUsage(cpu0);
    if (measured) console.log(`${name.padEnd(46)} ${((1000 * (cpu.user + cpu.system)) / count).toFixed(1).padStart(7)} ns CPU/msg`);
  }
}
if (sink === -1) console.log(sink);
