/**
 * Markdown rendering of a run (pure).
 */
import type { BenchReport, BenchRow, TargetResult } from './result.js';

/** Column headers of {@link formatTable}, in order. */
export const TABLE_COLUMNS = [
  'scenario',
  'client',
  'body',
  'in flight',
  'msgs',
  'msgs/s',
  'spread',
  'MiB/s',
  'p50 ms',
  'p99 ms',
  'p99.9 ms',
  'CPU µs/msg',
  'broker µs/msg',
  'peak RSS MiB',
  '× ceiling',
  '× ali-ons',
] as const;

/** `128 B`, `1 KiB`, `16 KiB`. */
export function formatBytes(bytes: number): string {
  if (bytes >= 1024 * 1024 && bytes % (1024 * 1024) === 0) return `${bytes / (1024 * 1024)} MiB`;
  if (bytes >= 1024 && bytes % 1024 === 0) return `${bytes / 1024} KiB`;
  return `${bytes} B`;
}

/** `12 345`-style grouping is ambiguous in Markdown; use plain digits with a thin `,` grouping instead. */
export function formatCount(n: number): string {
  if (!Number.isFinite(n)) return '—';
  return Math.round(n).toLocaleString('en-US');
}

/** A number with `digits` decimals, `—` for null/NaN. */
export function formatFixed(n: number | null | undefined, digits: number): string {
  if (n === null || n === undefined || !Number.isFinite(n)) return '—';
  return n.toFixed(digits);
}

/** Latencies: 3 significant decimals below 1 ms, 2 below 10 ms, 1 above. */
export function formatMillis(n: number | null | undefined): string {
  if (n === null || n === undefined || !Number.isFinite(n)) return '—';
  if (n < 1) return n.toFixed(3);
  if (n < 10) return n.toFixed(2);
  return n.toFixed(1);
}

function cells(row: BenchRow): string[] {
  return [
    row.scenario + (row.note === undefined ? '' : ' *'),
    row.client,
    formatBytes(row.bodyBytes),
    String(row.inFlight),
    formatCount(row.messages) + (row.errors > 0 ? ` (${row.errors} failed)` : ''),
    formatCount(row.opsPerSec),
    row.rounds > 1 ? `${Math.round(row.spread * 100)}%` : '—',
    formatFixed(row.mbPerSec, 1),
    formatMillis(row.latency?.p50),
    formatMillis(row.latency?.p99),
    formatMillis(row.latency?.p999),
    formatFixed(row.cpuMicrosPerMsg, 1),
    formatFixed(row.brokerCpuMicrosPerMsg, 1),
    formatFixed(row.peakRssMiB, 0),
    formatFixed(row.ratioToCeiling, 2),
    formatFixed(row.ratioToPeer, 2),
  ];
}

const escapeCell = (text: string): string => text.replace(/\|/g, '\\|');

/** A GitHub-flavoured Markdown table of the rows; numeric columns right-aligned. */
export function formatTable(rows: readonly BenchRow[]): string {
  const header = `| ${TABLE_COLUMNS.join(' | ')} |`;
  const align = `|${TABLE_COLUMNS.map((_, i) => (i < 3 ? ' --- ' : ' ---: ')).join('|')}|`;
  const body = rows.map((row) => `| ${cells(row).map(escapeCell).join(' | ')} |`);
  return [header, align, ...body].join('\n');
}

/** The targets as a Markdown list. */
export function formatTargets(targets: readonly TargetResult[]): string {
  return targets
    .map((t) => `- ${t.met === null ? 'not measured' : t.met ? 'MET' : 'MISSED'}: ${t.target} — ${t.measured}`)
    .join('\n');
}

/** The whole report as Markdown: machine line, table, row notes, targets, run notes. */
export function formatReport(report: BenchReport): string {
  const m = report.machine;
  const lines = [
    `rocketmq-rx benchmarks — ${report.startedAt} — ${m.nproc} × ${m.cpu}, node ${m.node}, ${m.platform}` +
      ` — ${report.options.quick ? 'quick' : 'full'} run, in flight ${report.options.inFlight}, ` +
      `${report.options.repeat === 1 ? '1 round' : `median of ${report.options.repeat} rounds`}` +
      (report.options.scale === 1 ? '' : `, scale ${report.options.scale}`) +
      `, load average ${report.loadAverage.start.toFixed(1)} → ${report.loadAverage.end.toFixed(1)}`,
    '',
    formatTable(report.rows),
  ];
  const rowNotes = report.rows.filter((row) => row.note !== undefined);
  if (rowNotes.length > 0) {
    lines.push('');
    for (const row of rowNotes) lines.push(`\\* ${row.scenario} / ${row.client} / ${formatBytes(row.bodyBytes)}: ${row.note}`);
  }
  if (report.rss !== undefined && report.rss.length > 0) {
    lines.push('', `RSS through publish: ${report.rss.map((r) => `${formatCount(r.messages)} msgs → ${r.rssMiB.toFixed(0)} MiB`).join(', ')}`);
  }
  if (report.targets.length > 0) lines.push('', 'Targets:', formatTargets(report.targets));
  if (report.notes.length > 0) lines.push('', ...report.notes.map((note) => `Note: ${note}`));
  return lines.join('\n');
}
