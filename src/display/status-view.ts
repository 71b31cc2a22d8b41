import type { Plan } from '../plan/plan';
import type { StageStanding } from '../query/status';
import { renderDagSvg } from './dag-svg';
import { formatDuration, formatRelative, plural, shortHash } from './format';
import { environmentTag } from './environment-line';
import { itemCountsText } from './item-counts';
import { collapsedHtml, escapeHtml, renderTable, type Rendered } from './html';
import { badgeHtml, cardHtml, FONT_MONO, MUTED, richTextHtml, sortStates, stateStyle } from './palette';
import { periodAxis } from './period-axis';
import { renderPeriodGrid, type GridCell } from './period-grid';
import { periodSummaryLine } from './period-summary';

/**
 * The status view: where every stage stands — its state in the latest run
 * that had it, when that was, how long it took, its output hash, and whether
 * it is stale and why; a per-item stage, how its items ended (`248 ok · 2
 * failed · 230 cached`, a column shown only when a stage has items). A stage restored from cache shows how long computing
 * its output took, not the moment restoring it did. A pipeline with periods
 * gets a stage × period grid instead of the DAG, a line per period of where
 * its stages stand, and the table folded away; its text is the headline, that
 * line and the grid.
 */

/** The state a stage is drawn in: stale outputs are amber even though they once succeeded. */
function drawnState(row: StageStanding): string {
  return row.stale && (row.status === 'SUCCEEDED' || row.status === 'CACHED') ? 'STALE' : row.status;
}

/**
 * What a run would execute: "5 to run: 2 stale, 3 never ran", or "0 to run".
 * A stage that never ran is to run as much as a stale one.
 */
export function toRunText(rows: readonly StageStanding[]): string {
  const stale = rows.filter((r) => r.stale).length;
  const neverRan = rows.filter((r) => r.status === 'NEVER_RUN').length;
  const why = [...(stale > 0 ? [`${stale} stale`] : []), ...(neverRan > 0 ? [`${neverRan} never ran`] : [])];
  return `${stale + neverRan} to run${why.length > 0 ? `: ${why.join(', ')}` : ''}`;
}

/** "status of `name`: 13 stages — 9 succeeded, 1 failed, 3 never run; 5 to run: 2 stale, 3 never ran". */
export function statusHeadline(plan: Plan, rows: readonly StageStanding[]): string {
  const counts = new Map<string, number>();
  for (const row of rows) counts.set(row.status, (counts.get(row.status) ?? 0) + 1);
  const parts = sortStates(counts.keys()).map((s) => `${counts.get(s)} ${stateStyle(s).label}`);
  return `status of \`${plan.name}\`${environmentTag(plan.environment?.name)}: ${plural(rows.length, 'stage')} — ${parts.join(', ')}; ${toRunText(rows)}`;
}

/** How long a stage took: for one restored from cache, how long computing its output took, marked restored ("2.5 s (restored)"). */
function tookText(row: StageStanding): string {
  if (row.producedInMs !== undefined) return `${formatDuration(row.producedInMs)} (restored)`;
  return row.lastDurationMs === undefined ? '—' : formatDuration(row.lastDurationMs);
}

/** Every stage's standing as a DAG coloured by state and a table. `now` is ms since epoch. */
export function renderStatusView(plan: Plan, rows: readonly StageStanding[], now: number): Rendered {
  const headline = statusHeadline(plan, rows);
  const states: Record<string, string> = {};
  for (const row of rows) states[row.stageId] = drawnState(row);
  const withItems = rows.some((row) => row.items !== undefined);
  const grid = renderTable(
    [
      { title: 'stage', mono: true },
      { title: 'state' },
      ...(withItems ? [{ title: 'items' }] : []),
      { title: 'last run' },
      { title: 'took', align: 'right' },
      { title: 'output', mono: true },
      { title: 'freshness', nowrap: false },
    ],
    rows.map((row) => {
      const when = row.lastEndedAt === undefined ? '' : formatRelative(row.lastEndedAt, now);
      const lastRun = row.lastRunId === undefined ? '—' : `${when} (${row.lastRunId})`;
      const lastRunHtml =
        row.lastRunId === undefined
          ? `<span style="color:${MUTED}">—</span>`
          : `${escapeHtml(when)} <span style="font-family:${FONT_MONO};font-size:11.5px;color:${MUTED}">${escapeHtml(row.lastRunId)}</span>`;
      const stateText = stateStyle(row.status).label + (row.errorCode ? ` (${row.errorCode})` : '');
      const stateHtml = badgeHtml(row.status) + (row.errorCode ? ` <span style="font-family:${FONT_MONO};font-size:11.5px;color:#b91c1c">${escapeHtml(row.errorCode)}</span>` : '');
      const fresh = row.stale ? `stale: ${row.reason}` : row.reason;
      const freshHtml = row.stale
        ? `${badgeHtml('STALE')} ${richTextHtml(row.reason)}`
        : `<span style="color:${MUTED}">${richTextHtml(row.reason)}</span>`;
      return [
        row.stageId,
        { text: stateText, html: stateHtml },
        ...(withItems ? [row.items === undefined ? '' : itemCountsText(row.items)] : []),
        { text: lastRun, html: lastRunHtml },
        tookText(row),
        row.outputHash === undefined ? '—' : shortHash(row.outputHash),
        { text: fresh, html: freshHtml },
      ];
    }),
  );
  const title = `<div style="font-size:14px;margin-bottom:8px">${richTextHtml(headline.replace(/^status/, 'Status'))}</div>`;
  const axis = periodAxis(plan);
  if (axis !== undefined) {
    const cells: Record<string, GridCell> = {};
    for (const row of rows) cells[row.stageId] = { state: states[row.stageId], note: row.errorCode ? `${row.errorCode}; ${row.reason}` : row.reason };
    const periods = renderPeriodGrid(axis, cells);
    const summary = periodSummaryLine(axis, rows.map((r) => ({ stageId: r.stageId, state: states[r.stageId], reason: r.reason })), new Set(['STALE']));
    const summaryHtml = summary === '' ? '' : `<div style="margin-bottom:4px">${richTextHtml(summary)}</div>`;
    const html = cardHtml(title + summaryHtml + periods.html + collapsedHtml(`every stage (${rows.length})`, grid.html));
    return { html, text: [headline, ...(summary === '' ? [] : [summary]), '', periods.text].join('\n') };
  }
  const html = cardHtml(title + renderDagSvg(plan, states) + grid.html);
  return { html, text: `${headline}\n\n${grid.text}` };
}
