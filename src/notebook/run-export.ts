import * as fs from 'node:fs';
import * as path from 'node:path';
import { DagbookError } from '../errors';
import type { RunFolder } from '../query/run-folder';

/**
 * Writes an exported run folder, in the layout of the teams' run directory:
 *
 * ```
 * <dir>/
 *   meta.json                   run id, pipeline, status, times, environment, dagbook version
 *   state.json                  every step: status, attempts, times, error, cache key, output hash
 *   events.jsonl                the run's events as public event lines
 *   outputs/<stage>.output.json each stage's output (or a reference to it)
 *   reports/report.md           the markdown report
 * ```
 *
 * The folder must be new, empty, or an earlier export of the same run (whose
 * files are then replaced), so an export never mixes two runs.
 */

/** What {@link writeRunFolder} wrote. */
export interface RunExport {
  /** The folder, absolute. */
  readonly dir: string;
  /** The run exported. */
  readonly runId: string;
  /** The files written, relative to the folder, in the order written. */
  readonly files: readonly string[];
}

/**
 * Writes `folder` and its report into `dir`.
 * @throws DagbookError `INVALID_OPTION` naming the folder when it holds something other than an export of the same run.
 */
export function writeRunFolder(dir: string, folder: RunFolder, report: string): RunExport {
  const root = path.resolve(dir);
  checkTarget(root, folder.meta.run_id);
  const files: [string, string][] = [
    ['meta.json', json(folder.meta)],
    ['state.json', json(folder.state)],
    ['events.jsonl', folder.events.map((e) => `${JSON.stringify(e)}\n`).join('')],
    ...folder.outputs.map((o): [string, string] => [o.file, o.text]),
    ['reports/report.md', report],
  ];
  if (fs.existsSync(path.join(root, 'outputs'))) fs.rmSync(path.join(root, 'outputs'), { recursive: true });
  for (const [file, text] of files) {
    const target = path.join(root, file);
    fs.mkdirSync(path.dirname(target), { recursive: true });
    fs.writeFileSync(target, text);
  }
  return { dir: root, runId: folder.meta.run_id, files: files.map(([file]) => file) };
}

function json(value: unknown): string {
  return `${JSON.stringify(value, null, 2)}\n`;
}

function checkTarget(root: string, runId: string): void {
  let names: string[];
  try {
    names = fs.readdirSync(root);
  } catch {
    return;
  }
  if (names.length === 0) return;
  const exported = readRunId(path.join(root, 'meta.json'));
  if (exported === runId) return;
  throw new DagbookError(
    'INVALID_OPTION',
    exported === undefined
      ? `Expected the export folder \`${root}\` to be new or empty, got one holding ${names.length} entr${names.length === 1 ? 'y' : 'ies'} (${names.slice(0, 3).join(', ')}${names.length > 3 ? ', …' : ''})`
      : `Expected the export folder \`${root}\` to be new, empty or an export of run ${runId}, got an export of run ${exported}`,
    { data: { dir: root, runId } },
  );
}

function readRunId(file: string): string | undefined {
  try {
    const meta = JSON.parse(fs.readFileSync(file, 'utf8')) as { run_id?: unknown };
    return typeof meta.run_id === 'string' ? meta.run_id : undefined;
  } catch {
    return undefined;
  }
}
