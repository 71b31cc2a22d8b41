import * as path from 'node:path';
import { formatBytes } from './format';
import { escapeHtml, type Rendered } from './html';
import { FONT_SANS, MUTED } from './palette';

/**
 * A whole HTML document (a report with its own `<head>` and `<style>`) shown
 * inside a notebook output as it looks on its own: in a sandboxed `<iframe>`
 * whose `srcdoc` is the document, escaped. Pasted into the output instead, its
 * `<head>` would be stripped by the notebook's sanitiser (losing the CSS) and
 * its wide tables cut at the output's edge; in the frame it keeps its styles
 * and scrolls. A link to the file opens it full size.
 */

/** Options of {@link renderHtmlDocument}. */
export interface HtmlDocumentOptions {
  /** The file the document was written to: named in the text form and the link. */
  readonly path: string;
  /**
   * Where the link points. @default `path` relative to the current folder (a
   * notebook's kernel runs in the notebook's folder, which JupyterLab
   * resolves links against), with `/` separators
   */
  readonly href?: string;
  /** Height of the frame, px (it scrolls inside, and can be resized). @default 640 */
  readonly heightPx?: number;
}

/** The document `html` in a scrollable sandboxed frame, with a link to its file; as text, where it is. */
export function renderHtmlDocument(html: string, options: HtmlDocumentOptions): Rendered {
  const href = options.href ?? path.relative(process.cwd(), options.path).split(path.sep).join('/');
  const height = options.heightPx ?? 640;
  const size = formatBytes(Buffer.byteLength(html, 'utf8'));
  const link =
    `<div style="font-family:${FONT_SANS};font-size:12.5px;color:${MUTED};margin:2px 0 6px">` +
    `<a href="${escapeHtml(href)}" target="_blank" rel="noopener">${escapeHtml(options.path)}</a> (${escapeHtml(size)}) — open it full size</div>`;
  // No sandbox permission at all: the report's scripts, forms and navigation stay off.
  const frame =
    `<iframe sandbox="" srcdoc="${escapeHtml(html)}" title="${escapeHtml(path.basename(options.path))}" ` +
    `style="width:100%;height:${height}px;border:1px solid #d0d7de;border-radius:6px;resize:vertical;overflow:auto;background:#fff"></iframe>`;
  return { html: link + frame, text: `HTML document written to ${options.path} (${size}): open it in a browser` };
}
