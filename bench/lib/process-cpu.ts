/**
 * CPU time of another process (the broker), read from `/proc/<pid>/stat` (Linux; `null` elsewhere). Resolution is
 * one clock tick (10 ms), fine over runs of a second or more.
 */
import { readFileSync } from 'node:fs';

/** Clock ticks per second of `/proc` times (`getconf CLK_TCK`; 100 on every mainstream Linux). */
const CLOCK_TICKS_PER_SECOND = 100;

/**
 * User + system CPU of process `pid` so far, µs, or `null` when it cannot be read.
 * The command name (field 2) may contain spaces and parentheses, so fields are counted from the last `)`.
 */
export function processCpuMicros(pid: number): number | null {
  let stat: string;
  try {
    stat = readFileSync(`/proc/${pid}/stat`, 'latin1');
  } catch {
    return null;
  }
  return parseProcStatCpuMicros(stat);
}

/** User + system time from the text of `/proc/<pid>/stat`, µs (`null` if it does not parse). */
export function parseProcStatCpuMicros(stat: string): number | null {
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  // After the command: state is field 3, so utime (14) and stime (15) are at indexes 11 and 12.
  const utime = Number(fields[11]);
  const stime = Number(fields[12]);
  if (!Number.isFinite(utime) || !Number.isFinite(stime)) return null;
  return ((utime + stime) * 1e6) / CLOCK_TICKS_PER_SECOND;
}
