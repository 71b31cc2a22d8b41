import { escapeHtml } from './escape-html';
import { FONT_MONO, FONT_SANS, INK, MUTED, RULE } from './palette';

/**
 * The HTML building blocks shared by every display, and the one table
 * renderer: every view, the workbench's data tables and notebook cells draw
 * tables through {@link renderTable}, so they look and align alike.
 */

export { escapeHtml };

/** Something a display can show: HTML for the notebook, plain text for everywhere else. */
export interface Rendered {
  /** Self-contained HTML (inline styles, no scripts needed). */
  readonly html: string;
  /** The same content as plain text, for terminals and logs. */
  readonly text: string;
}

/** One column of a table. */
export interface TableColumn {
  /** Header. */
  readonly title: string;
  /**
   * Alignment. `auto` aligns the HTML cells right when every cell of the
   * column is a number, and leaves the text twin left-aligned (only `right`
   * pads text on the left). @default 'left'
   */
  readonly align?: 'left' | 'right' | 'auto';
  /** Monospace cells (ids, hashes). @default false */
  readonly mono?: boolean;
  /** Keep cells on one line. @default true */
  readonly nowrap?: boolean;
}

/** `body` folded under a clickable `summary` line (a `<details>` element), closed until opened. */
export function collapsedHtml(summary: string, body: string): string {
  return `<details style="margin-top:4px"><summary style="cursor:pointer;color:${MUTED};font-size:12.5px">${escapeHtml(summary)}</summary>${body}</details>`;
}

/** A cell with a text form and, optionally, richer HTML for the notebook (a badge, a bar, inline code). */
export interface TableCell {
  /** Plain-text form (also the HTML form, escaped, when `html` is absent). */
  readonly text: string;
  /** Ready-made HTML for the notebook. */
  readonly html?: string;
}

/** What a table cell may hold: a cell, or a value shown as its string (`null` and `undefined` as empty). */
export type TableValue = TableCell | string | number | boolean | bigint | null | undefined;

/** Options of {@link renderTable}. */
export interface TableOptions {
  /** Line above the table. @default none */
  readonly caption?: string;
  /** Line below the table (e.g. `showing 20 of 1,204 rows`). @default none */
  readonly footnote?: string;
}

function cellOf(value: TableValue): TableCell {
  if (value !== null && typeof value === 'object') return value;
  return { text: value === null || value === undefined ? '' : String(value) };
}

function isNumeric(value: TableValue): boolean {
  if (value === null || value === undefined || value === '') return true;
  if (typeof value === 'number' || typeof value === 'bigint') return true;
  return typeof value === 'string' && value.trim() !== '' && !Number.isNaN(Number(value));
}

/**
 * An HTML table with light rules and its plain-text twin with aligned
 * columns. A column given as a string is `{ title, align: 'auto' }`;
 * `options` given as a string is the caption.
 */
export function renderTable(
  columns: readonly (TableColumn | string)[],
  rows: readonly (readonly TableValue[])[],
  options: TableOptions | string = {},
): Rendered {
  const { caption, footnote } = typeof options === 'string' ? { caption: options, footnote: undefined } : options;
  const cols = columns.map((c) => (typeof c === 'string' ? { title: c, align: 'auto' as const } : c));
  const align = cols.map((c, i) =>
    c.align === 'auto' ? (rows.length > 0 && rows.every((row) => isNumeric(row[i])) ? 'right' : 'left') : (c.align ?? 'left'),
  );
  const th = cols
    .map(
      (c, i) =>
        `<th style="text-align:${align[i]};padding:4px 10px;border-bottom:1px solid #d1d5db;font-weight:600;font-size:11.5px;color:${MUTED};text-transform:uppercase;letter-spacing:.03em;white-space:nowrap">${escapeHtml(c.title)}</th>`,
    )
    .join('');
  const body = rows
    .map((row) => {
      const tds = cols
        .map((c, i) => {
          const cell = cellOf(row[i]);
          const font = c.mono ? `font-family:${FONT_MONO};font-size:12px;` : '';
          const wrap = c.nowrap === false ? '' : 'white-space:nowrap;';
          return `<td style="text-align:${align[i]};padding:4px 10px;border-bottom:1px solid ${RULE};vertical-align:middle;${font}${wrap}">${cell.html ?? escapeHtml(cell.text)}</td>`;
        })
        .join('');
      return `<tr>${tds}</tr>`;
    })
    .join('');
  const cap = caption === undefined ? '' : `<caption style="text-align:left;font-weight:600;padding:0 0 6px 2px">${escapeHtml(caption)}</caption>`;
  const foot = footnote === undefined ? '' : `<div class="dagbook-table-note" style="color:${MUTED};font-size:12px;padding:2px 2px 0">${escapeHtml(footnote)}</div>`;
  const html =
    `<table class="dagbook-table" style="border-collapse:collapse;font-family:${FONT_SANS};font-size:13px;color:${INK};margin:8px 0 4px">` +
    `${cap}<thead><tr>${th}</tr></thead><tbody>${body}</tbody></table>${foot}`;

  const cells = [cols.map((c) => c.title), ...rows.map((row) => cols.map((_, i) => cellOf(row[i]).text))];
  const widths = cols.map((_, i) => Math.max(...cells.map((row) => row[i].length)));
  const line = (row: readonly string[]) =>
    row
      .map((cell, i) => (cols[i].align === 'right' ? cell.padStart(widths[i]) : cell.padEnd(widths[i])))
      .join('  ')
      .trimEnd();
  const text = [
    ...(caption === undefined ? [] : [caption]),
    line(cells[0]),
    widths.map((w) => '-'.repeat(w)).join('  '),
    ...cells.slice(1).map(line),
    ...(footnote === undefined ? [] : [footnote]),
  ].join('\n');
  return { html, text };
}
