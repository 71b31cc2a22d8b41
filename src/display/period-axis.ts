import type { Plan } from '../plan/plan';

/**
 * The stage × period layout of a plan with periods, as plain data: a row per
 * template (the stage id as written) in plan order of first appearance, a
 * column per period. A period-less stage is one row spanning the periods; the
 * periods' checkpoints are one row, last. Every grid, summary and per-period
 * figure of the views is read through this layout, never by parsing ids.
 */

/** A row of one stage per period (`per-period`), or the periods' checkpoints (`checkpoint`). */
export interface PeriodStagesRow {
  readonly kind: 'per-period' | 'checkpoint';
  /** The template id (`hires`). */
  readonly template: string;
  /** Stage id by period key (`{ '2025': 'hires@2025' }`); a period the stage is not expanded in is absent. */
  readonly stages: Readonly<Record<string, string>>;
}

/** A row of a period-less stage: it spans every period. */
export interface SpanningRow {
  readonly kind: 'period-less';
  /** The stage id, which is also its template id. */
  readonly template: string;
  readonly stageId: string;
}

/** One row of the grid. */
export type PeriodRow = PeriodStagesRow | SpanningRow;

/** The grid's layout. */
export interface PeriodAxis {
  /** The axis name (`year`). */
  readonly name: string;
  /** Period keys, in period order. */
  readonly keys: readonly string[];
  /** Rows: templates in plan order of first appearance, the checkpoint row last. */
  readonly rows: readonly PeriodRow[];
  /** Period key by expanded stage id; period-less stages are absent. */
  readonly periodOf: Readonly<Record<string, string>>;
}

/** The stage × period layout of `plan`; undefined when the plan has no periods. */
export function periodAxis(plan: Plan): PeriodAxis | undefined {
  const periods = plan.periods;
  if (periods === undefined) return undefined;
  const rows: PeriodRow[] = [];
  const byTemplate = new Map<string, Record<string, string>>();
  const checkpoints: Record<string, string> = {};
  const periodOf: Record<string, string> = {};
  for (const id of plan.order) {
    const stage = plan.stages[id];
    if (stage.period === undefined) {
      rows.push({ kind: 'period-less', template: stage.template ?? id, stageId: id });
      continue;
    }
    periodOf[id] = stage.period;
    if (stage.role === 'checkpoint') {
      checkpoints[stage.period] = id;
      continue;
    }
    const template = stage.template ?? id;
    let stages = byTemplate.get(template);
    if (stages === undefined) {
      stages = {};
      byTemplate.set(template, stages);
      rows.push({ kind: 'per-period', template, stages });
    }
    stages[stage.period] = id;
  }
  if (Object.keys(checkpoints).length > 0) rows.push({ kind: 'checkpoint', template: 'checkpoint', stages: checkpoints });
  return { name: periods.name, keys: periods.keys, rows, periodOf };
}

/**
 * Runs of consecutive keys as ranges, in period order: `['2025', '2026',
 * '2028']` of 2025..2029 reads `2025–2026, 2028`.
 */
export function keyRanges(keys: readonly string[], order: readonly string[]): string[] {
  const wanted = new Set(keys);
  const ranges: string[] = [];
  let start: string | undefined;
  let last: string | undefined;
  const close = () => {
    if (start !== undefined) ranges.push(start === last ? start : `${start}–${last}`);
    start = undefined;
  };
  for (const key of order) {
    if (!wanted.has(key)) {
      close();
      continue;
    }
    if (start === undefined) start = key;
    last = key;
  }
  close();
  return ranges;
}
