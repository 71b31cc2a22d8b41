import type { ProgressSnapshot } from './eta-model';
import { formatPercent } from './format';
import { escapeHtml, renderTable } from './html';
import { badgeHtml, barHtml, cardHtml, MUTED, stateStyle } from './palette';
import { etaText, overallState, PROGRESS_COLUMNS, progressRow, settledText } from './progress-row';
import type { PeriodsProgress } from './period-progress';
import { periodStripHtml } from './period-strip';

/**
 * Progress of a run as a notebook card: overall percent and bar, then (for a
 * run with periods) a strip of the periods, then a row per stage with a badge
 * and a bar.
 */

/** The progress of `snap` as self-contained HTML; `periods`, the same snapshot period by period, adds the strip of periods. */
export function renderProgressHtml(snap: ProgressSnapshot, periods?: PeriodsProgress): string {
  const rows = snap.stages.map((s) => {
    const row = progressRow(s, snap);
    const bar =
      row.ratio === undefined
        ? { text: '', html: '' }
        : {
            text: formatPercent(row.ratio),
            html: `${barHtml(row.ratio, row.barState, 110)} <span style="display:inline-block;width:38px;text-align:right;vertical-align:middle;color:${MUTED};font-size:12px">${formatPercent(row.ratio)}</span>`,
          };
    return [
      row.stageId,
      { text: stateStyle(row.shown).label, html: badgeHtml(row.shown) },
      bar,
      row.attempt,
      row.elapsed,
      { text: row.note, html: `<span style="color:${MUTED}">${escapeHtml(row.note)}</span>` },
    ];
  });
  return cardHtml(
    `<div style="display:flex;align-items:center;gap:12px;flex-wrap:wrap;margin-bottom:4px">` +
      `<span style="font-size:20px;font-weight:600;min-width:64px">${formatPercent(snap.percent / 100)}</span>` +
      barHtml(snap.percent / 100, overallState(snap), 280) +
      `<span style="color:${MUTED}">${escapeHtml(settledText(snap))}<b style="color:#1f2937;font-weight:600">${escapeHtml(etaText(snap))}</b></span>` +
      `</div>` +
      (periods === undefined ? '' : periodStripHtml(periods)) +
      renderTable(PROGRESS_COLUMNS, rows).html,
  );
}
