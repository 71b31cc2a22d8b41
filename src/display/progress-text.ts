import type { ProgressSnapshot } from './eta-model';
import { formatDuration, formatPercent, textBar } from './format';
import { renderTable } from './html';
import { etaText, PROGRESS_COLUMNS, progressRow } from './progress-row';
import { stateStyle } from './palette';

/** Plain-text progress of a run, for logs and terminals: a headline, an overall bar and a row per stage. */

/** The progress of `snap` as plain text. */
export function renderProgressText(snap: ProgressSnapshot): string {
  const headline = `${snap.settled} of ${snap.stages.length} stages settled · ${formatPercent(snap.percent / 100)} · elapsed ${formatDuration(snap.elapsedMs)} · ${etaText(snap)}`;
  const rows = snap.stages.map((s) => {
    const row = progressRow(s, snap);
    return [row.stageId, stateStyle(row.shown).label, row.ratio === undefined ? '' : textBar(row.ratio), row.attempt, row.elapsed, row.note];
  });
  return `${headline}\n${textBar(snap.percent / 100, 30)}\n\n${renderTable(PROGRESS_COLUMNS, rows).text}`;
}
