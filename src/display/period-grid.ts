import { escapeHtml, type Rendered } from './html';
import type { PeriodAxis, PeriodRow } from './period-axis';
import { FONT_MONO, MUTED, RULE, badgeHtml, sortStates, stateStyle } from './palette';

/**
 * The stage × period grid that the plan and status views draw for a pipeline
 * with periods, where a DAG of every expanded stage would be unreadable: a row
 * per template, a column per period, each cell coloured by its stage's state
 * (its reason as a tooltip), and a legend. The text twin is one line per
 * template with one symbol per period, for the terminal.
 */

/** What a cell shows: its stage's state (a dry-run action or a status) and why. */
export interface GridCell {
  /** The state, as the palette knows it (`run`, `skip`, `SUCCEEDED`, `STALE`...). */
  readonly state: string;
  /** Why, in words (the dry-run reason, the freshness); shown as the cell's tooltip. */
  readonly note?: string;
}

/** A stage's tooltip: `hires@2027: will run — param `rate` changed`. */
function tooltip(stageId: string, cell: GridCell): string {
  return `${stageId}: ${stateStyle(cell.state).label}${cell.note ? ` — ${cell.note}` : ''}`;
}

/** The states the grid shows, in legend order. */
function shownStates(axis: PeriodAxis, cells: Readonly<Record<string, GridCell>>): string[] {
  const states: string[] = [];
  for (const row of axis.rows) for (const id of rowStages(row)) if (cells[id] !== undefined) states.push(cells[id].state);
  return sortStates(states);
}

function rowStages(row: PeriodRow): string[] {
  return row.kind === 'period-less' ? [row.stageId] : Object.values(row.stages);
}

/** One HTML cell; an empty one for a stage outside the selection (or a period the template is not expanded in). */
function cellHtml(stageId: string | undefined, cell: GridCell | undefined, colspan = 1): string {
  const span = colspan > 1 ? ` colspan="${colspan}"` : '';
  const frame = `padding:2px 4px;border:2px solid #ffffff;text-align:center;min-width:34px;height:20px;font-size:12px`;
  if (stageId === undefined || cell === undefined) return `<td${span} style="${frame};background:#fafafa"></td>`;
  const s = stateStyle(cell.state);
  return (
    `<td${span} data-stage="${escapeHtml(stageId)}" data-state="${escapeHtml(cell.state)}" title="${escapeHtml(tooltip(stageId, cell))}" ` +
    `style="${frame};background:${s.fill};color:${s.ink};box-shadow:inset 0 0 0 1px ${s.stroke}${s.dashed ? ';opacity:.8' : ''}">${escapeHtml(s.symbol)}</td>`
  );
}

/** The grid as HTML: a table with the axis name and the keys as headers, and a legend of the states shown. */
function gridHtml(axis: PeriodAxis, cells: Readonly<Record<string, GridCell>>): string {
  const head =
    `<th style="text-align:left;padding:2px 10px 2px 2px;font-size:11.5px;color:${MUTED};font-weight:600">${escapeHtml(axis.name)}</th>` +
    axis.keys.map((k) => `<th style="padding:2px 4px;font-size:11.5px;color:${MUTED};font-weight:600;font-family:${FONT_MONO}">${escapeHtml(k)}</th>`).join('');
  const body = axis.rows
    .map((row) => {
      const checkpoint = row.kind === 'checkpoint';
      const label =
        `<td style="padding:2px 10px 2px 2px;font-family:${FONT_MONO};font-size:12px;white-space:nowrap${checkpoint ? `;font-style:italic;color:${MUTED}` : ''}">` +
        `${escapeHtml(row.template)}</td>`;
      const tds =
        row.kind === 'period-less'
          ? cellHtml(row.stageId, cells[row.stageId], axis.keys.length)
          : axis.keys.map((k) => cellHtml(row.stages[k], row.stages[k] === undefined ? undefined : cells[row.stages[k]])).join('');
      return `<tr${checkpoint ? ` style="border-top:1px dashed ${RULE}"` : ''}>${label}${tds}</tr>`;
    })
    .join('');
  const legend = shownStates(axis, cells)
    .map((state) => badgeHtml(state, `${stateStyle(state).symbol} ${stateStyle(state).label}`))
    .join(' ');
  return (
    `<table class="dagbook-period-grid" style="border-collapse:collapse;margin:6px 0 4px"><thead><tr>${head}</tr></thead><tbody>${body}</tbody></table>` +
    `<div style="display:flex;gap:6px;flex-wrap:wrap;margin:2px 0 6px">${legend}</div>`
  );
}

/**
 * The grid as text: a header of the axis name and keys, one line per
 * template with one symbol per period (a period-less stage: its symbol and
 * `(not per <axis>)`), and a legend line.
 */
function gridText(axis: PeriodAxis, cells: Readonly<Record<string, GridCell>>): string {
  const labelWidth = Math.max(axis.name.length, ...axis.rows.map((r) => r.template.length));
  const widths = axis.keys.map((k) => Math.max(1, k.length));
  const line = (label: string, columns: readonly string[]) =>
    [label.padEnd(labelWidth), ...columns.map((c, i) => c.padEnd(widths[i]))].join('  ').trimEnd();
  const symbol = (id: string | undefined) => (id === undefined || cells[id] === undefined ? ' ' : stateStyle(cells[id].state).symbol);
  const lines = [line(axis.name, axis.keys)];
  for (const row of axis.rows) {
    if (row.kind === 'period-less') {
      const cell = cells[row.stageId];
      lines.push(`${row.template.padEnd(labelWidth)}  ${cell === undefined ? '' : `${stateStyle(cell.state).symbol} (not per ${axis.name})`}`.trimEnd());
    } else {
      lines.push(line(row.template, axis.keys.map((k) => symbol(row.stages[k]))));
    }
  }
  const legend = shownStates(axis, cells).map((s) => `${stateStyle(s).symbol} ${stateStyle(s).label}`);
  return [...lines, `legend: ${legend.join(' · ')}`].join('\n');
}

/** The stage × period grid of `cells` (by stage id) laid out by `axis`: HTML for the notebook, text for the terminal. */
export function renderPeriodGrid(axis: PeriodAxis, cells: Readonly<Record<string, GridCell>>): Rendered {
  return { html: gridHtml(axis, cells), text: gridText(axis, cells) };
}
