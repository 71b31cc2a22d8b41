import { mkdir, writeFile } from 'node:fs/promises';
import * as path from 'node:path';
import type { StageContext, StageInputs } from '../../../src/definition/types';
import { NonRetryableError } from '../../../src/errors';
import { inputOf, stringParam } from '../phase-io';
import { renderReport, type ProfileOutputs } from '../report-html';
import { pathInFolder, pipelineFolder } from '../state-folder';

/**
 * Phase `report`: one self-contained HTML report of the whole profile,
 * written to a file in the pipeline's state folder and returned (for display
 * in a notebook).
 */

/** Output of `report`. */
export interface ReportOutput {
  /** The HTML document. */
  readonly html: string;
  /** Absolute path it was written to. */
  readonly path: string;
}

const PHASES: readonly (keyof ProfileOutputs)[] = [
  'import', 'typing', 'statistics', 'statistical_quality', 'relationships', 'correlations', 'semantic',
  'temporal', 'slicing', 'business_cycles', 'topology', 'validation', 'entropy',
];

/** Where the report goes inside `<stateDir>/<pipeline>/` by default. */
export const DEFAULT_REPORT_FILE = 'reports/profiling-report.html';

/**
 * The report goes into the run's pipeline state folder (`ctx.stateDir`) when
 * the run keeps its state on disk. Otherwise the params place it: `stateDir`
 * (the state folder; default `$DAGBOOK_STATE_DIR`, else the project's
 * `state/`: see state-folder.ts) and `pipeline` (its subfolder, default
 * `profiling`). Params too: `reportFile` (path inside the pipeline's folder,
 * default {@link DEFAULT_REPORT_FILE}), `title`.
 * @throws NonRetryableError when `reportFile` is absolute or leaves the pipeline's state folder.
 */
export async function run(ctx: StageContext, inputs: StageInputs): Promise<ReportOutput> {
  const outputs = Object.fromEntries(PHASES.map((id) => [id, inputOf(inputs, id)])) as unknown as ProfileOutputs;
  const folder = pipelineFolder(ctx.stateDir, stringParam(ctx.params, 'stateDir'), stringParam(ctx.params, 'pipeline', 'profiling'));
  const reportFile = stringParam(ctx.params, 'reportFile', DEFAULT_REPORT_FILE);
  const file = pathInFolder(folder, reportFile);
  if (file === undefined) {
    throw new NonRetryableError(`Expected param \`reportFile\` to be a relative path inside \`${folder}\`, got \`${reportFile}\``);
  }
  const html = renderReport(outputs, stringParam(ctx.params, 'title', 'Data profile'));
  ctx.progress(1, 2, 'rendered');
  await mkdir(path.dirname(file), { recursive: true });
  await writeFile(file, html, 'utf8');
  ctx.progress(2, 2, `written to ${file}`);
  return { html, path: file };
}
