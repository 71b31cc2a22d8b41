import { sha256 } from '../canonical-json';
import { isRecord } from '../object-kind';
import { cellSource, type NotebookCell, type NotebookDocument } from './notebook-document';

/**
 * How a generated notebook remembers which cells it generated. Each
 * generated cell carries `metadata.dagbook`: `generated: true`, its place
 * (`section`, `stage` for a stage's section, `role` within the section) and
 * `sourceHash`, the sha256 of the source it was generated with. A cell whose
 * source no longer has that hash was edited: it is the user's from then on.
 * The notebook's own `metadata.dagbook` names the pipeline it was generated
 * from. Marks live in metadata, not in the source, so they survive copying
 * the notebook and are invisible in JupyterLab.
 */

/** A notebook section: the title and workbench cell, the dry run, a stage, the status at the end. */
export type NotebookSection = 'intro' | 'dry-run' | 'stage' | 'status';

/** Where a generated cell belongs: its section, the stage (for a stage's section) and its role there. */
export interface CellPlace {
  /** The section. */
  readonly section: NotebookSection;
  /** The stage id, for a `stage` section. */
  readonly stage?: string;
  /** What the cell does in its section: `heading`, `open`, `plan`, `run`, `output`, `metrics`, `status`. */
  readonly role: string;
}

/** The mark of a generated cell (`metadata.dagbook`). */
export interface CellMark extends CellPlace {
  /** Always true: the cell was generated. */
  readonly generated: true;
  /** sha256 of the source it was generated with. */
  readonly sourceHash: string;
}

/** The notebook's own mark (`metadata.dagbook`): the pipeline it was generated from. */
export interface NotebookMark {
  /** The pipeline's name. */
  readonly pipeline: string;
  /** The pipeline file, relative to the notebook's folder. */
  readonly file: string;
}

const SECTIONS: readonly string[] = ['intro', 'dry-run', 'stage', 'status'];

/** One string per place, for lookups. */
export function placeKey(place: CellPlace): string {
  return place.section === 'stage' ? `stage:${place.stage ?? ''}:${place.role}` : `${place.section}:${place.role}`;
}

/** The mark of a cell generated at `place` with `source`. */
export function cellMark(place: CellPlace, source: string): CellMark {
  return { generated: true, section: place.section, ...(place.stage === undefined ? {} : { stage: place.stage }), role: place.role, sourceHash: sha256(source) };
}

/** The cell's mark, when it carries a well-formed one; undefined for a cell the user wrote. */
export function markOf(cell: NotebookCell): CellMark | undefined {
  const mark = cell.metadata.dagbook;
  if (!isRecord(mark) || mark.generated !== true) return undefined;
  const { section, stage, role, sourceHash } = mark;
  if (typeof section !== 'string' || !SECTIONS.includes(section) || typeof role !== 'string' || typeof sourceHash !== 'string') return undefined;
  if (section === 'stage' && typeof stage !== 'string') return undefined;
  return { generated: true, section: section as NotebookSection, ...(section === 'stage' ? { stage: stage as string } : {}), role, sourceHash };
}

/** True when the cell was generated and its source is still the one it was generated with. */
export function isUnedited(cell: NotebookCell, mark: CellMark): boolean {
  return sha256(cellSource(cell)) === mark.sourceHash;
}

/** The notebook's own mark, when it has one. */
export function notebookMarkOf(notebook: NotebookDocument): NotebookMark | undefined {
  const mark = notebook.metadata.dagbook;
  if (!isRecord(mark) || typeof mark.pipeline !== 'string' || typeof mark.file !== 'string') return undefined;
  return { pipeline: mark.pipeline, file: mark.file };
}

/** True when the notebook or one of its cells carries a dagbook mark. */
export function isGeneratedNotebook(notebook: NotebookDocument): boolean {
  return notebookMarkOf(notebook) !== undefined || notebook.cells.some((cell) => markOf(cell) !== undefined);
}
