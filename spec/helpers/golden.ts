import { readFileSync, readdirSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

/**
 * The golden captures live in the steering repo's `shared/golden`, next to this checkout (`../shared`), as CI and
 * every developer have them.
 */
export const GOLDEN_DIR = join(dirname(fileURLToPath(import.meta.url)), '..', '..', '..', 'shared', 'golden', 'rocketmq-4.9.8');

export function goldenFile(name: string): Buffer {
  return readFileSync(join(GOLDEN_DIR, name));
}

export function goldenFrames(): string[] {
  return readdirSync(GOLDEN_DIR).filter((name) => name.endsWith('.frame.bin')).sort();
}
