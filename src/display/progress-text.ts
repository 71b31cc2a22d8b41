import type { ProgressSnapshot } from './eta-model';
import { formatDuration, formatPercent, textBar } from './format';
import { renderTable } from './html';
import { etaText, PROGRESS_COLUMNS, progressRow } from './progress-row';
import { stateStyle } from './palette';
import { periodProgressText, type PeriodsProgress } from './period-progress';

/**
 * Plain-text progress of a run, for logs and terminals: a headline, an
 * overall bar, (for a run with periods) the line of its periods, and a row
 * per stage.
 */

/** The progress of `snap` as plain text; `periods`, the same snapshot period by period, adds its line below the bar. */
export function renderProgressText(snap: ProgressSnapshot, periods?: PeriodsProgress): string {
  const headline = `${snap.settled} of ${snap.stages.length} stages settled · ${formatPercent(snap.percent / 100)} · elapsed ${formatDuration(snap.elapsedMs)} · ${etaText(snap)}`;
  const rows = snap.stages.map((s) => {
    const row = progressRow(s, snap);
    return [row.stageId, stateStyle(row.shown).label, row.ratio === undefined ? '' : textBar(row.ratio), row.attempt, row.elapsed, row.note];
  });
  const periodLine = periods === undefined ? '' : `\n${periodProgressText(periods)}`;
  return `${headline}\n${textBar(snap.percent / 100, 30)}${periodLine}\n\n${renderTable(PROGRESS_COLUMNS, rows).text}`;
}
