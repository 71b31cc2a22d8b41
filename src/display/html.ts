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
  const th = headers.map((h) => `<th style="text-align:left;padding:2px 8px;border-bottom:1px solid #999">${escapeHtml(h)}</th>`).join('');
  const body = rows
    .map((row) => `<tr>${row.map((cell) => `<td style="padding:2px 8px">${escapeHtml(cell ?? '')}</td>`).join('')}</tr>`)
    .join('');
  const cap = caption ? `<caption style="text-align:left;font-weight:bold">${escapeHtml(caption)}</caption>` : '';
  const html = `<table class="dagbook-table" style="border-collapse:collapse;font-family:sans-serif;font-size:13px">${cap}<thead><tr>${th}</tr></thead><tbody>${body}</tbody></table>`;

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
