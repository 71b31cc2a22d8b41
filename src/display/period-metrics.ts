import type { RunResult } from '../run/run-pipeline';
import { formatDuration, plural } from './format';
import { escapeHtml, renderTable, type Rendered, type TableValue } from './html';
import type { PeriodAxis } from './period-axis';

/**
 * The metrics card's summary of a run with periods, one row per period: how
 * many of its stages ran, were restored from cache, failed or did not run
 * (blocked, skipped, cancelled), how long the period took from its first
 * stage's start to its last stage's end, and its failed validation rules by
 * severity.
 */

/** One period's figures in a run. */
export interface PeriodMetrics {
  /** The period key. */
  readonly key: string;
  /** Stages that ran (whatever the outcome). */
  readonly ran: number;
  /** Stages restored from cache. */
  readonly cached: number;
  /** Stages that failed. */
  readonly failed: number;
  /** Stages that did not run: blocked, skipped or cancelled. */
  readonly notRun: number;
  /** From the first stage's start to the last stage's end, ms; absent when no stage ran. */
  readonly durationMs?: number;
  /** Failed validation rules of severity warning. */
  readonly warnings: number;
  /** Failed validation rules of severity error. */
  readonly errors: number;
}

/** Each period's figures in `result`, in period order; periods without a stage in the run are left out. */
export function periodMetrics(axis: PeriodAxis, result: RunResult): PeriodMetrics[] {
  return axis.keys.flatMap((key) => {
    const records = Object.values(result.stages).filter((r) => axis.periodOf[r.stageId] === key);
    if (records.length === 0) return [];
    const ran = records.filter((r) => r.status !== 'CACHED' && r.attempts > 0);
    const starts = ran.map((r) => r.startedAt).filter((t): t is number => t !== undefined);
    const ends = ran.map((r) => r.endedAt).filter((t): t is number => t !== undefined);
    const failedRules = records.flatMap((r) => r.validation.filter((v) => !v.passed));
    return [
      {
        key,
        ran: ran.length,
        cached: records.filter((r) => r.status === 'CACHED').length,
        failed: records.filter((r) => r.status === 'FAILED').length,
        notRun: records.filter((r) => r.status === 'BLOCKED' || r.status === 'SKIPPED' || r.status === 'CANCELLED').length,
        ...(starts.length === 0 || ends.length === 0 ? {} : { durationMs: Math.max(...ends) - Math.min(...starts) }),
        warnings: failedRules.filter((v) => v.severity === 'warning').length,
        errors: failedRules.filter((v) => v.severity === 'error').length,
      },
    ];
  });
}

/** "1 warning, 2 errors", or "" without any. */
function validationText(m: PeriodMetrics): string {
  return [...(m.warnings > 0 ? [plural(m.warnings, 'warning')] : []), ...(m.errors > 0 ? [plural(m.errors, 'error')] : [])].join(', ');
}

/** The per-period table of `result`; the `not run` and `validation` columns only when a period has some. */
export function renderPeriodMetrics(axis: PeriodAxis, result: RunResult): Rendered {
  const rows = periodMetrics(axis, result);
  const colour = (n: number, ink: string): TableValue => (n === 0 ? '0' : { text: String(n), html: `<span style="color:${ink};font-weight:600">${n}</span>` });
  const notRun = rows.some((m) => m.notRun > 0);
  const validation = rows.some((m) => m.warnings + m.errors > 0);
  return renderTable(
    [
      { title: axis.name, mono: true },
      { title: 'ran', align: 'right' },
      { title: 'cached', align: 'right' },
      { title: 'failed', align: 'right' },
      ...(notRun ? [{ title: 'not run', align: 'right' as const }] : []),
      { title: 'duration', align: 'right' },
      ...(validation ? [{ title: 'validation' }] : []),
    ],
    rows.map((m) => {
      const v = validationText(m);
      return [
        m.key,
        String(m.ran),
        String(m.cached),
        colour(m.failed, '#b91c1c'),
        ...(notRun ? [String(m.notRun)] : []),
        m.durationMs === undefined ? '—' : formatDuration(m.durationMs),
        ...(validation ? [v === '' ? '' : { text: v, html: `<span style="color:${m.errors > 0 ? '#b91c1c' : '#b45309'}">${escapeHtml(v)}</span>` }] : []),
      ];
    }),
  );
}
