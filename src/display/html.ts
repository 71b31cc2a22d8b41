/** Small HTML helpers shared by every display. */

const ESCAPES: Record<string, string> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' };

/** Escapes text for use in HTML content or attribute values. */
export function escapeHtml(text: unknown): string {
  return String(text).replace(/[&<>"']/g, (c) => ESCAPES[c]);
}

/** Something a display can show: HTML for the notebook, plain text for everywhere else. */
export interface Rendered {
  /** Self-contained HTML (inline styles, no scripts needed). */
  readonly html: string;
  /** The same content as plain text, for terminals and logs. */
  readonly text: string;
}

/** An HTML table and its plain-text twin from a header row and body rows. */
export function renderTable(headers: readonly string[], rows: readonly (readonly unknown[])[], caption?: string): Rendered {
  // Same look as the other views (see palette.ts), inlined to keep this module dependency-free.
  const font = "system-ui,-apple-system,'Segoe UI',Roboto,'Helvetica Neue',Arial,sans-serif";
  const numeric = headers.map((_, i) => rows.length > 0 && rows.every((row) => row[i] === '' || row[i] === null || row[i] === undefined || !Number.isNaN(Number(row[i]))));
  const align = (i: number) => (numeric[i] ? 'right' : 'left');
  const th = headers
    .map((h, i) => `<th style="text-align:${align(i)};padding:4px 10px;border-bottom:1px solid #d1d5db;color:#6b7280;font-size:11px;text-transform:uppercase;letter-spacing:.04em">${escapeHtml(h)}</th>`)
    .join('');
  const body = rows
    .map((row) => `<tr>${row.map((cell, i) => `<td style="text-align:${align(i)};padding:3px 10px;border-bottom:1px solid #e5e7eb">${escapeHtml(cell ?? '')}</td>`).join('')}</tr>`)
    .join('');
  const cap = caption ? `<caption style="text-align:left;font-weight:600;padding:0 0 6px 2px">${escapeHtml(caption)}</caption>` : '';
  const html = `<table class="dagbook-table" style="border-collapse:collapse;font-family:${font};font-size:13px;color:#1f2937;margin:4px 0">${cap}<thead><tr>${th}</tr></thead><tbody>${body}</tbody></table>`;

  const cells = [headers, ...rows].map((row) => row.map((cell) => String(cell ?? '')));
  const widths = headers.map((_, i) => Math.max(...cells.map((row) => (row[i] ?? '').length)));
  const line = (row: string[]) => row.map((cell, i) => cell.padEnd(widths[i])).join('  ').trimEnd();
  const text = [
    ...(caption ? [caption] : []),
    line(cells[0]),
    widths.map((w) => '-'.repeat(w)).join('  '),
    ...cells.slice(1).map(line),
  ].join('\n');
  return { html, text };
}
