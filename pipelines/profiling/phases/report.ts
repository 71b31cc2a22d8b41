import { mkdir, writeFile } from 'node:fs/promises';
import * as path from 'node:path';
import type { StageContext, StageInputs } from '../../../src/definition/types';
import { inputOf, PROJECT_ROOT, stringParam } from '../phase-io';
import { renderReport, type ProfileOutputs } from '../report-html';

/**
 * Phase `report`: one self-contained HTML report of the whole profile,
 * written to a file and returned (for display in a notebook).
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

/** Params: `reportPath` (relative to the project root, like `dataDir`; default `state/reports/profiling-report.html`), `title`. */
export async function run(ctx: StageContext, inputs: StageInputs): Promise<ReportOutput> {
  const outputs = Object.fromEntries(PHASES.map((id) => [id, inputOf(inputs, id)])) as unknown as ProfileOutputs;
  const file = path.resolve(PROJECT_ROOT, stringParam(ctx.params, 'reportPath', 'state/reports/profiling-report.html'));
  const html = renderReport(outputs, stringParam(ctx.params, 'title', 'Data profile'));
  ctx.progress(1, 2, 'rendered');
  await mkdir(path.dirname(file), { recursive: true });
  await writeFile(file, html, 'utf8');
  ctx.progress(2, 2, `written to ${file}`);
  return { html, path: file };
}
