import * as fs from 'node:fs';
import * as path from 'node:path';
import { loadPipelineFile } from '../definition/load-file';
import { DagbookError } from '../errors';
import { compilePipeline } from '../plan/compile';
import { notebookText, parseNotebook } from '../notebook/notebook-document';
import type { CellPlace } from '../notebook/notebook-marks';
import { generateNotebook, type NotebookChanges } from '../notebook/notebook-merge';
import { notebookOutline } from '../notebook/notebook-outline';
import { projectFolder } from '../project-folder';

/**
 * `dagbook notebook <pipeline> [--out notebooks/x.ipynb]`: writes the
 * notebook of a pipeline file (`notebook-cells.ts` says what it holds), or
 * merges a new generation into the one already there (`notebook-merge.ts`),
 * and says what it added, removed, updated and kept. The notebook must lie
 * inside the project (the nearest folder holding a package.json), where it
 * can import `dagbook`; a notebook dagbook did not generate is left alone
 * unless `--force`. An unchanged notebook is not written again.
 */

/** Options of {@link notebookCommand}. */
export interface NotebookCommandOptions {
  /** Where to write the notebook. @default `notebooks/<pipeline name>.ipynb` in the project */
  readonly out?: string;
  /** Merge into a notebook dagbook did not generate, or generated from another pipeline. @default false */
  readonly force?: boolean;
  /** Folder that relative paths resolve from and the project is found from. */
  readonly cwd: string;
}

/**
 * Generates (or re-generates) the notebook of the pipeline file `file`;
 * resolves with the lines to print.
 * @throws DagbookError `INVALID_OPTION` for an `--out` outside the project or
 *   not ending in `.ipynb`; `NOTEBOOK_INVALID`, `NOTEBOOK_NOT_GENERATED` (see
 *   `generateNotebook`); `PLAN_INVALID` when the pipeline file has problems
 */
export async function notebookCommand(file: string, options: NotebookCommandOptions): Promise<string[]> {
  const pipelineFile = path.resolve(options.cwd, file);
  const plan = compilePipeline(await loadPipelineFile(pipelineFile, { secrets: 'names' })).plan;
  const root = projectFolder(options.cwd);
  const out = path.resolve(options.cwd, options.out ?? path.join(root, 'notebooks', `${plan.name}.ipynb`));
  const shown = path.relative(options.cwd, out) || out;
  if (!out.endsWith('.ipynb')) throw new DagbookError('INVALID_OPTION', `Expected \`--out\` to end in .ipynb, got \`${options.out}\``);
  const inProject = path.relative(root, out);
  if (inProject === '..' || inProject.startsWith(`..${path.sep}`) || path.isAbsolute(inProject)) {
    throw new DagbookError(
      'INVALID_OPTION',
      `Expected \`--out\` inside the project (${root}), where the notebook can import 'dagbook', got \`${options.out ?? out}\``,
    );
  }

  const outline = notebookOutline(plan, relativeFile(path.dirname(out), pipelineFile));
  const before = fs.existsSync(out) ? fs.readFileSync(out, 'utf8') : undefined;
  const existing = before === undefined ? undefined : parseNotebook(before, shown);
  const { notebook, changes } = generateNotebook(outline, existing, { force: options.force === true, target: shown });
  const text = notebookText(notebook);
  if (text === before) return [`${shown} is up to date with ${file}: nothing to change.`];
  writeAtomically(out, text);
  if (before === undefined) return [`Wrote ${shown}: ${notebook.cells.length} cells, a section for each of the ${plan.order.length} stages of \`${plan.name}\`.`];
  return [`Updated ${shown} from ${file}:`, ...describeChanges(changes)];
}

/** One line per kind of change, each listing the sections and their cells: `added: stage \`c\` (heading, run, output)`. */
export function describeChanges(changes: NotebookChanges): string[] {
  const lines: string[] = [];
  const line = (label: string, cells: readonly CellPlace[], extra?: string) => {
    const parts = [...(cells.length > 0 ? [bySection(cells)] : []), ...(extra ? [extra] : [])];
    if (parts.length > 0) lines.push(`  ${label}: ${parts.join('; ')}`);
  };
  line('added', changes.added);
  line('removed', changes.removed);
  line('updated', changes.updated);
  const written = changes.keptWritten === 0 ? undefined : `${changes.keptWritten} cell${changes.keptWritten === 1 ? '' : 's'} you wrote`;
  line('kept', changes.keptEdited.map((c) => ({ ...c, role: `${c.role}, edited by you` })), written);
  if (lines.length === 0) lines.push('  nothing else changed');
  return lines;
}

/** `stage \`a\` (heading, run), dry-run (plan)`: the cells grouped by section, in order. */
function bySection(cells: readonly CellPlace[]): string {
  const groups = new Map<string, string[]>();
  for (const cell of cells) {
    const label = cell.section === 'stage' ? `stage \`${cell.stage}\`` : cell.section;
    groups.set(label, [...(groups.get(label) ?? []), cell.role]);
  }
  return [...groups].map(([label, roles]) => `${label} (${roles.join(', ')})`).join(', ');
}

/** `file` relative to `folder`, with `/` separators, starting with `.` (`./orders.yaml`, `../pipelines/orders.yaml`). */
function relativeFile(folder: string, file: string): string {
  const relative = path.relative(folder, file).split(path.sep).join('/');
  return relative.startsWith('../') ? relative : `./${relative}`;
}

/** Writes through a temporary file and a rename, so a reader never sees half a notebook. */
function writeAtomically(file: string, text: string): void {
  fs.mkdirSync(path.dirname(file), { recursive: true });
  const temporary = `${file}.${process.pid}.tmp`;
  fs.writeFileSync(temporary, text);
  fs.renameSync(temporary, file);
}
