import { keyRanges, type PeriodAxis } from './period-axis';
import { sortStates, stateStyle } from './palette';

/**
 * The one-line summary per period of a dry run or a status: what happens to
 * each period's stages and why, with neighbouring periods that read the same
 * merged into a range — "year 2025–2026: 9 up to date · 2027–2029: 9 will run
 * (param `rate` changed)".
 */

/** A stage as the summary sees it. */
export interface SummaryRow {
  readonly stageId: string;
  /** Its state (a dry-run action or a status, as the palette knows it). */
  readonly state: string;
  /** Why, in words. */
  readonly reason?: string;
}

/** Reasons given per period at most; more read "+2 more". */
const MAX_REASONS = 3;

/**
 * The causes behind a period's reasons: a reason's parts, without the
 * "upstream `x` will run" notes that only point at stages of the same period
 * (their own cause is listed already); a note that points at another period
 * reads "an earlier <axis> will run", so periods that follow a changed one
 * read alike, and is given only for a period without a cause of its own.
 */
function causes(reason: string, key: string, axis: PeriodAxis): string[] {
  const out: string[] = [];
  for (const part of reason.split('; ')) {
    const upstream = /^upstream (.*) will run$/.exec(part);
    if (upstream === null) {
      out.push(part);
      continue;
    }
    const named = [...upstream[1].matchAll(/`([^`]+)`/g)].map((m) => m[1]);
    if (named.some((id) => axis.periodOf[id] !== undefined && axis.periodOf[id] !== key)) out.push(`an earlier ${axis.name} will run`);
    else if (named.some((id) => axis.periodOf[id] === undefined)) out.push(part);
  }
  return out;
}

/** What one period's stages do: "9 will run (param `rate` changed)"; undefined when the period has no stage among `rows`. */
function periodText(key: string, rows: readonly SummaryRow[], axis: PeriodAxis, explain: ReadonlySet<string>): string | undefined {
  const mine = rows.filter((r) => axis.periodOf[r.stageId] === key);
  if (mine.length === 0) return undefined;
  const counts = new Map<string, number>();
  for (const r of mine) counts.set(r.state, (counts.get(r.state) ?? 0) + 1);
  const all = [...new Set(mine.filter((r) => explain.has(r.state) && r.reason).flatMap((r) => causes(r.reason as string, key, axis)))];
  // A period with a cause of its own needs no pointer to the earlier one: it would run anyway.
  const earlier = `an earlier ${axis.name} will run`;
  const reasons = all.some((r) => r !== earlier) ? all.filter((r) => r !== earlier) : all;
  const shown = reasons.length > MAX_REASONS ? [...reasons.slice(0, MAX_REASONS - 1), `+${reasons.length - MAX_REASONS + 1} more`] : reasons;
  const count = sortStates(counts.keys()).map((s) => `${counts.get(s)} ${stateStyle(s).label}`).join(', ');
  return shown.length === 0 ? count : `${count} (${shown.join('; ')})`;
}

/**
 * The per-period summary of `rows` laid out by `axis`; `explain` names the
 * states whose reasons are given (`run` for a dry run). Periods with no stage
 * among `rows` are left out. Empty when no row belongs to a period.
 */
export function periodSummaryLine(axis: PeriodAxis, rows: readonly SummaryRow[], explain: ReadonlySet<string>): string {
  const texts = axis.keys.map((key) => periodText(key, rows, axis, explain));
  const parts: string[] = [];
  let i = 0;
  while (i < texts.length) {
    const text = texts[i];
    let j = i + 1;
    while (j < texts.length && text !== undefined && texts[j] === text) j++;
    if (text !== undefined) parts.push(`${keyRanges(axis.keys.slice(i, j), axis.keys).join(', ')}: ${text}`);
    i = j;
  }
  return parts.length === 0 ? '' : `${axis.name} ${parts.join(' · ')}`;
}
