import { readFileSync, readdirSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

/** The fixtures folder of this checkout (`spec/fixtures`): every golden capture a test reads lives there. */
export const FIXTURES_DIR = join(dirname(fileURLToPath(import.meta.url)), '..', 'fixtures');

/** Frames a real Apache RocketMQ 4.9.8 NameServer, broker and Java client exchanged (see `spec/fixtures/README.md`). */
export const GOLDEN_DIR = join(FIXTURES_DIR, 'rocketmq-4.9.8');

/** One golden capture, by its path below `rocketmq-4.9.8/` (e.g. `acl/acl_send_v2_rxUser1.request.frame.bin`). */
export function goldenFile(name: string): Buffer {
  return readFileSync(join(GOLDEN_DIR, name));
}

/** The whole frames (`*.frame.bin`) at the top of `rocketmq-4.9.8/`, sorted by name. */
export function goldenFrames(): string[] {
  return readdirSync(GOLDEN_DIR).filter((name) => name.endsWith('.frame.bin')).sort();
}
