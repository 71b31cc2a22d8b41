import type { EventOf } from '../events/event';
import { escapeHtml, renderTable, type Rendered } from './html';
import { richTextHtml } from './palette';

/**
 * The alerts a run raised, as the metrics card and the error analysis list
 * them: one line each, its level (CRITICAL in red, WARNING in amber), its
 * stage, its metric and its sentence.
 */

const LEVEL_STYLE = {
  CRITICAL: 'background:#fef2f2;border:1px solid #dc2626;color:#b91c1c',
  WARNING: 'background:#fffbeb;border:1px solid #d97706;color:#b45309',
} as const;

/** The level as a small coloured badge. */
export function alertBadgeHtml(level: keyof typeof LEVEL_STYLE): string {
  return `<span style="display:inline-block;padding:0 7px;border-radius:9px;${LEVEL_STYLE[level]};font-size:11.5px;line-height:17px;white-space:nowrap;vertical-align:middle">${escapeHtml(level)}</span>`;
}

/** `2 alerts: 1 CRITICAL, 1 WARNING`. */
export function alertsSummary(alerts: readonly EventOf<'ALERT'>[]): string {
  const critical = alerts.filter((a) => a.metadata.level === 'CRITICAL').length;
  const parts = [...(critical > 0 ? [`${critical} CRITICAL`] : []), ...(alerts.length - critical > 0 ? [`${alerts.length - critical} WARNING`] : [])];
  return `${alerts.length} ${alerts.length === 1 ? 'alert' : 'alerts'}: ${parts.join(', ')}`;
}

/** The alerts as a table: level, stage, metric, what happened. */
export function renderAlertList(alerts: readonly EventOf<'ALERT'>[]): Rendered {
  return renderTable(
    [{ title: 'level' }, { title: 'stage', mono: true }, { title: 'metric', mono: true }, { title: 'alert', nowrap: false }],
    alerts.map((a) => [
      { text: a.metadata.level, html: alertBadgeHtml(a.metadata.level) },
      a.stageId ?? '',
      a.metadata.metric,
      { text: a.message, html: richTextHtml(a.message) },
    ]),
  );
}
