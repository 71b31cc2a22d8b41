import { median } from '../harness';
import type { PeerLine, Shape } from './peer-line';

/**
 * Turns the samples of `npm run bench:peers` into per-task medians, the ratio
 * of the fastest durable peer to dagbook durable per workload, the goal check
 * (dagbook durable at least {@link GOAL_RATIO} times faster per task than the
 * fastest durable peer on every workload), and the markdown table. Pure.
 */

/** dagbook durable must be at least this many times faster per task than the fastest durable peer. */
export const GOAL_RATIO = 5;

/** One row of the table: a shape and size, first run or cached re-run. */
export interface Workload {
  /** e.g. `chain-200`, `fanout-1000-cached`. */
  readonly id: string;
  /** e.g. `chain 200`, `fan-out 1,000, cached re-run`. */
  readonly label: string;
  readonly shape: Shape;
  readonly n: number;
  readonly cached: boolean;
}

/** A compared mode as the report needs it. */
export interface ReportSystem {
  readonly key: string;
  readonly label: string;
  readonly durable: boolean;
  readonly caches: boolean;
}

/** One measured process, tagged with its system key. */
export interface Sample extends PeerLine {
  readonly key: string;
  readonly round: number;
}

/** A table cell: median ms per task, or why there is none. */
export type Cell = { readonly perTaskMs: number; readonly samples: number[] } | { readonly missing: 'n/a' | 'failed' };

/** A row of the report. */
export interface ReportRow {
  readonly workload: Workload;
  /** Cells by system key. */
  readonly cells: Record<string, Cell>;
  /** The fastest durable peer (not dagbook) on this row, if any measured. */
  readonly fastestDurablePeer?: { readonly key: string; readonly perTaskMs: number };
  /** Fastest durable peer's ms per task / dagbook durable's. */
  readonly ratio?: number;
  /** ratio >= GOAL_RATIO; undefined where there is nothing to compare. */
  readonly goalMet?: boolean;
}

/** The rows for these shapes and sizes: first runs, then cached re-runs. */
export function workloads(sizes: readonly number[]): Workload[] {
  const rows: Workload[] = [];
  for (const cached of [false, true]) {
    for (const n of sizes) {
      for (const shape of ['chain', 'fanout'] as const) {
        const label = `${shape === 'chain' ? 'chain' : 'fan-out'} ${n.toLocaleString('en-US')}${cached ? ', cached re-run' : ''}`;
        rows.push({ id: `${shape}-${n}${cached ? '-cached' : ''}`, label, shape, n, cached });
      }
    }
  }
  return rows;
}

/** Rounds to 3 significant decimals for tables and JSON. */
function round(value: number): number {
  return Number(value.toPrecision(3));
}

/** Medians per task, ratios and the goal check for every workload. */
export function buildReport(systems: readonly ReportSystem[], rows: readonly Workload[], samples: readonly Sample[], failed: ReadonlySet<string>): ReportRow[] {
  return rows.map((workload) => {
    const cells: Record<string, Cell> = {};
    for (const system of systems) {
      const runs = samples.filter((s) => s.key === system.key && s.shape === workload.shape && s.n === workload.n);
      const values = runs.map((s) => (workload.cached ? s.cachedMs : s.runMs)).filter((v): v is number => v !== null);
      if (workload.cached && !system.caches) cells[system.key] = { missing: 'n/a' };
      else if (values.length === 0) cells[system.key] = { missing: failed.has(`${system.key} ${workload.shape}-${workload.n}`) ? 'failed' : 'n/a' };
      else cells[system.key] = { perTaskMs: round(median(values) / workload.n), samples: values.map((v) => round(v / workload.n)) };
    }
    let fastest: { key: string; perTaskMs: number } | undefined;
    for (const system of systems) {
      const cell = cells[system.key];
      if (system.key.startsWith('dagbook') || !system.durable || !('perTaskMs' in cell)) continue;
      if (fastest === undefined || cell.perTaskMs < fastest.perTaskMs) fastest = { key: system.key, perTaskMs: cell.perTaskMs };
    }
    const ours = cells['dagbook-durable'];
    if (fastest === undefined || ours === undefined || !('perTaskMs' in ours)) return { workload, cells, fastestDurablePeer: fastest };
    const ratio = round(fastest.perTaskMs / ours.perTaskMs);
    return { workload, cells, fastestDurablePeer: fastest, ratio, goalMet: ratio >= GOAL_RATIO };
  });
}

function cellText(cell: Cell | undefined): string {
  if (cell === undefined) return '';
  return 'perTaskMs' in cell ? String(cell.perTaskMs) : cell.missing;
}

/** The markdown table: ms per task per system and workload, the fastest durable peer, the ratio and the goal check. */
export function markdownTable(systems: readonly ReportSystem[], report: readonly ReportRow[]): string {
  const labelOf = (key: string) => systems.find((s) => s.key === key)?.label ?? key;
  const header = ['ms per task', ...systems.map((s) => s.label), 'fastest durable peer', `ratio (goal ≥ ${GOAL_RATIO}×)`];
  const lines = [`| ${header.join(' | ')} |`, `|${header.map((_, i) => (i === 0 ? '---' : '---:')).join('|')}|`];
  for (const row of report) {
    const verdict = row.ratio === undefined ? 'n/a' : `${row.ratio}× ${row.goalMet ? 'pass' : 'FAIL'}`;
    const fastest = row.fastestDurablePeer === undefined ? 'n/a' : labelOf(row.fastestDurablePeer.key);
    lines.push(`| ${[row.workload.label, ...systems.map((s) => cellText(row.cells[s.key])), fastest, verdict].join(' | ')} |`);
  }
  return lines.join('\n');
}

/** The one-line goal check: met on every workload that has a durable peer to compare with. */
export function goalLine(report: readonly ReportRow[]): { met: boolean; line: string } {
  const compared = report.filter((row) => row.goalMet !== undefined);
  const missed = compared.filter((row) => !row.goalMet);
  const met = compared.length > 0 && missed.length === 0;
  if (compared.length === 0) return { met, line: 'Goal not checked: no durable peer was measured beside dagbook durable' };
  const line = met
    ? `Goal met: dagbook durable is >= ${GOAL_RATIO}× faster per task than the fastest durable peer on all ${compared.length} workloads`
    : `Goal NOT met: dagbook durable is < ${GOAL_RATIO}× faster per task than the fastest durable peer on ${missed.length} of ${compared.length} workloads (${missed.map((row) => `${row.workload.label}: ${row.ratio}×`).join('; ')})`;
  return { met, line };
}
