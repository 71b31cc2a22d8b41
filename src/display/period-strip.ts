import { formatDuration } from './format';
import { escapeHtml } from './html';
import { finishedPeriodText, periodProgressText, type PeriodsProgress } from './period-progress';
import { barHtml, FONT_MONO, MUTED, stateStyle } from './palette';

/**
 * The periods of a live run as a strip of boxes, one per period in period
 * order, coloured by the period's state, with its time (the running one with
 * its share done as a bar), above the one-line text of the periods
 * (period-progress.ts), which is also the whole plain-text form.
 */

/** One period's box. */
function boxHtml(p: PeriodsProgress['periods'][number], current: boolean): string {
  const s = stateStyle(p.state);
  const sub = current ? barHtml(p.fraction, 'RUNNING', 44) : p.state === 'PENDING' ? '' : escapeHtml(finishedPeriodText(p).slice(p.key.length + 1));
  const title = `${p.key}: ${s.label}, ${p.settled} of ${p.stages} stages settled${p.elapsedMs === undefined ? '' : `, ${formatDuration(p.elapsedMs)}`}`;
  return (
    `<div data-period="${escapeHtml(p.key)}" data-state="${p.state}" title="${escapeHtml(title)}" ` +
    `style="min-width:52px;padding:3px 6px;border-radius:5px;border:1px ${s.dashed ? 'dashed' : 'solid'} ${s.stroke};background:${s.fill};color:${s.ink};text-align:center${current ? ';font-weight:600' : ''}">` +
    `<div style="font-family:${FONT_MONO};font-size:12px">${escapeHtml(p.key)}</div><div style="font-size:11px;min-height:14px">${sub}</div></div>`
  );
}

/** The strip and the line below it, as HTML. */
export function periodStripHtml(pp: PeriodsProgress): string {
  return (
    `<div class="dagbook-periods" style="display:flex;gap:4px;flex-wrap:wrap;margin:6px 0 2px">${pp.periods.map((p) => boxHtml(p, p.key === pp.current)).join('')}</div>` +
    `<div style="color:${MUTED};margin-bottom:4px">${escapeHtml(periodProgressText(pp))}</div>`
  );
}
