import { z } from 'zod';
import { DagbookError } from '../errors';

/**
 * A Jupyter notebook file (nbformat 4) as `dagbook notebook` reads and writes
 * it: the cells and metadata, every field it does not know kept as it was
 * (outputs, attachments, other tools' metadata). Read once, at the boundary,
 * with zod; written as nbformat writes it (keys sorted, one-space indent,
 * sources as lists of lines, a final newline), so a re-generation that
 * changed nothing writes the same bytes again.
 */

/** One cell. Fields other than these are kept as they are. */
export interface NotebookCell {
  /** Unique in the notebook: 1 to 64 of `A-Z a-z 0-9 - _` (nbformat 4.5). */
  readonly id: string;
  /** `code`, `markdown` or `raw`. */
  readonly cell_type: 'code' | 'markdown' | 'raw';
  /** Cell metadata; generated cells carry `dagbook` (see `notebook-marks.ts`). */
  readonly metadata: Readonly<Record<string, unknown>>;
  /** The source, as one string or as lines (each but the last ending in `\n`). */
  readonly source: string | readonly string[];
  /** Code cells: what the cell showed when it last ran. */
  readonly outputs?: readonly unknown[];
  /** Code cells: the prompt number, or null when it has not run. */
  readonly execution_count?: number | null;
  readonly [field: string]: unknown;
}

/** A whole notebook. */
export interface NotebookDocument {
  readonly cells: readonly NotebookCell[];
  /** Notebook metadata (kernelspec, language_info, `dagbook`). */
  readonly metadata: Readonly<Record<string, unknown>>;
  readonly nbformat: 4;
  /** 5 or more: cells have ids. */
  readonly nbformat_minor: number;
}

const cellSchema = z
  .object({
    id: z.string().optional(),
    cell_type: z.enum(['code', 'markdown', 'raw']),
    metadata: z.record(z.unknown()).default({}),
    source: z.union([z.string(), z.array(z.string())]),
  })
  .passthrough();

const notebookSchema = z
  .object({
    cells: z.array(cellSchema),
    metadata: z.record(z.unknown()).default({}),
    nbformat: z.literal(4),
    nbformat_minor: z.number().int().nonnegative(),
  })
  .passthrough();

/** The characters a cell id may hold, and how many (nbformat 4.5). */
const CELL_ID = /^[A-Za-z0-9_-]{1,64}$/;

/**
 * Reads a notebook's text. Cells without an id (an nbformat 4.4 file), or
 * with an id used twice, get a fresh one, so what is written is valid 4.5.
 * @param source the file as the user named it, for messages
 * @throws DagbookError `NOTEBOOK_INVALID` when the text is not JSON or not an nbformat 4 notebook, naming the field
 */
export function parseNotebook(text: string, source: string): NotebookDocument {
  let data: unknown;
  try {
    data = JSON.parse(text);
  } catch (e) {
    throw new DagbookError('NOTEBOOK_INVALID', `\`${source}\` is not a notebook: it is not JSON (${(e as Error).message})`, { data: { file: source } });
  }
  const parsed = notebookSchema.safeParse(data);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    const field = issue.path.length > 0 ? issue.path.join('.') : '(the document)';
    throw new DagbookError('NOTEBOOK_INVALID', `\`${source}\` is not an nbformat 4 notebook: \`${field}\`: ${issue.message}`, { data: { file: source, field } });
  }
  const notebook = parsed.data as unknown as NotebookDocument & { cells: (NotebookCell & { id?: string })[] };
  return { ...notebook, cells: withUniqueIds(notebook.cells, []), nbformat: 4, nbformat_minor: Math.max(5, notebook.nbformat_minor) };
}

/**
 * `cells` with every id valid and unique (also against `taken`): a cell whose
 * id is missing, malformed or already used gets `<id or "cell">-<n>`.
 */
export function withUniqueIds<T extends { readonly id?: string }>(cells: readonly T[], taken: readonly string[]): (T & { id: string })[] {
  const used = new Set(taken);
  return cells.map((cell) => {
    const wanted = typeof cell.id === 'string' && CELL_ID.test(cell.id) ? cell.id : undefined;
    let id = wanted;
    if (id === undefined || used.has(id)) {
      const stem = (wanted ?? 'cell').slice(0, 56);
      let n = 1;
      do id = `${stem}-${n++}`;
      while (used.has(id));
    }
    used.add(id);
    return { ...cell, id };
  });
}

/** A cell's source as one string. */
export function cellSource(cell: Pick<NotebookCell, 'source'>): string {
  return typeof cell.source === 'string' ? cell.source : cell.source.join('');
}

/** A source as nbformat writes it: lines, each but the last ending in `\n`. */
export function sourceLines(text: string): string[] {
  return text === '' ? [] : text.split(/(?<=\n)/);
}

/** The notebook as nbformat writes it: JSON with sorted keys, a one-space indent and a final newline. */
export function notebookText(notebook: NotebookDocument): string {
  return `${JSON.stringify(notebook, sortedKeys, 1)}\n`;
}

function sortedKeys(_key: string, value: unknown): unknown {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return value;
  const record = value as Record<string, unknown>;
  return Object.fromEntries(Object.keys(record).sort().map((k) => [k, record[k]]));
}
