import { escapeHtml, type Rendered } from './html';
import { FONT_MONO, MUTED, RULE } from './palette';

/**
 * The table of every view: HTML with light rules and a plain-text twin with
 * aligned columns. A cell has a text form and, optionally, a richer HTML form
 * (a badge, a bar, inline code).
 */

/** One cell: its text, and HTML to show instead in the notebook. */
export interface GridCell {
  /** Plain-text form (also the HTML form, escaped, when `html` is absent). */
  readonly text: string;
  /** Ready-made HTML for the notebook. */
  readonly html?: string;
}

/** One column. */
export interface GridColumn {
  /** Header. */
  readonly title: string;
  /** Alignment. @default 'left' */
  readonly align?: 'left' | 'right';
  /** Monospace cells (ids, hashes). @default false */
  readonly mono?: boolean;
  /** Keep cells on one line. @default true */
  readonly nowrap?: boolean;
}

/** A cell or plain text. */
export type GridValue = GridCell | string;

function cellOf(value: GridValue): GridCell {
  return typeof value === 'string' ? { text: value } : value;
}

/** An HTML table and its aligned plain-text twin. */
export function renderGrid(columns: readonly GridColumn[], rows: readonly (readonly GridValue[])[]): Rendered {
  const th = columns
    .map(
      (c) =>
        `<th style="text-align:${c.align ?? 'left'};padding:4px 10px;border-bottom:1px solid #d1d5db;font-weight:600;font-size:11.5px;color:${MUTED};text-transform:uppercase;letter-spacing:.03em;white-space:nowrap">${escapeHtml(c.title)}</th>`,
    )
    .join('');
  const body = rows
    .map((row) => {
      const tds = columns
        .map((c, i) => {
          const cell = cellOf(row[i] ?? '');
          const font = c.mono ? `font-family:${FONT_MONO};font-size:12px;` : '';
          const wrap = c.nowrap === false ? '' : 'white-space:nowrap;';
          return `<td style="text-align:${c.align ?? 'left'};padding:4px 10px;border-bottom:1px solid ${RULE};vertical-align:middle;${font}${wrap}">${cell.html ?? escapeHtml(cell.text)}</td>`;
        })
        .join('');
      return `<tr>${tds}</tr>`;
    })
    .join('');
  const html = `<table class="dagbook-table" style="border-collapse:collapse;font-size:13px;margin-top:8px"><thead><tr>${th}</tr></thead><tbody>${body}</tbody></table>`;

  const cells = [columns.map((c) => c.title), ...rows.map((row) => columns.map((_, i) => cellOf(row[i] ?? '').text))];
  const widths = columns.map((_, i) => Math.max(...cells.map((row) => row[i].length)));
  const line = (row: readonly string[]) =>
    row
      .map((cell, i) => (columns[i].align === 'right' ? cell.padStart(widths[i]) : cell.padEnd(widths[i])))
      .join('  ')
      .trimEnd();
  const text = [line(cells[0]), widths.map((w) => '-'.repeat(w)).join('  '), ...cells.slice(1).map(line)].join('\n');
  return { html, text };
}
