import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import type { NotebookReport } from '../../src/notebook/run-notebook';

/** Reading what an example notebook showed once run headlessly (`runNotebook` with an `outPath`). */

interface Cell {
  cell_type: string;
  source: string | string[];
  outputs?: { output_type: string; text?: string | string[]; data?: Record<string, string | string[]> }[];
}

const join = (v: string | string[] | undefined): string => (Array.isArray(v) ? v.join('') : v ?? '');

/** What the one code cell whose source starts with `start` showed, as plain text (HTML tags and styles dropped, spaces folded). */
export function shown(file: string, start: string): string {
  const cells = (JSON.parse(fs.readFileSync(file, 'utf8')) as { cells: Cell[] }).cells.filter((c) => c.cell_type === 'code' && join(c.source).startsWith(start));
  assert.equal(cells.length, 1, `code cells starting with ${JSON.stringify(start)}`);
  return (cells[0]!.outputs ?? [])
    .map((o) => (o.output_type === 'stream' ? join(o.text) : join(o.data?.['text/html']) || join(o.data?.['text/plain'])))
    .join('\n')
    .replace(/<style[\s\S]*?<\/style>/g, ' ')
    .replace(/<[^>]+>/g, ' ')
    .replace(/&gt;/g, '>')
    .replace(/\s+/g, ' ');
}

/** A run's failed cells, one line each: `cell <n> (<first line>): <error>`. */
export function failures(report: NotebookReport): string[] {
  return report.failures.map((f) => `cell ${f.cell} (${f.firstLine}): ${f.detail ?? f.error}`);
}
