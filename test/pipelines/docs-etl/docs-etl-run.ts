import * as path from 'node:path';
import { loadPipelineFile } from '../../../src/definition/load-file';
import type { PipelineDefinition, StageDefinition } from '../../../src/definition/types';
import { compilePipeline } from '../../../src/plan/compile';
import { runPipeline, type RunResult } from '../../../src/run/run-pipeline';
import type { RunStore } from '../../../src/store/run-store';
import { createDocsRepo, type DocsRepo } from '../../../pipelines/docs-etl/docs-repo';

/** Helpers to load, adjust and run `pipelines/docs-etl.yaml` in tests. */

/** The pipeline file. */
export const DOCS_ETL_FILE = path.resolve(__dirname, '../../../pipelines/docs-etl.yaml');

/** The per-page stages. */
export const PER_PAGE = ['parse', 'chunk', 'embed', 'enrich'];

/** A page with no heading: its metadata has no title, so `enrich` fails it. */
export const MALFORMED_PAGE = { 'docs/zz-malformed.md': '<a name="nothing"></a>\n\nThis page has no heading, so it has no title.\n' };

/** The example repository in the pipeline's state folder (`<stateDir>/docs-etl/source-repo`), as the YAML's `repo` param names it. */
export function exampleRepo(stateDir: string, extra: Readonly<Record<string, string>> = {}): DocsRepo {
  return createDocsRepo(path.join(stateDir, 'docs-etl', 'source-repo'), extra);
}

/** A change of one stage: fields set over its own, and its run function wrapped. */
export interface StageChange {
  readonly fields?: Partial<Pick<StageDefinition, 'concurrency' | 'maxFailureRate' | 'params'>>;
  readonly wrap?: (run: StageDefinition['run']) => StageDefinition['run'];
}

/** The pipeline file's definition with `changes` applied per stage id. */
export async function docsEtlDefinition(changes: Readonly<Record<string, StageChange>> = {}): Promise<PipelineDefinition> {
  const definition = await loadPipelineFile(DOCS_ETL_FILE);
  return {
    ...definition,
    stages: definition.stages.map((stage) => {
      const change = changes[stage.id];
      if (!change) return stage;
      return { ...stage, ...change.fields, ...(change.wrap ? { run: change.wrap(stage.run) } : {}) };
    }),
  };
}

/** Runs the definition on `store`. */
export function runDocsEtl(definition: PipelineDefinition, store: RunStore): Promise<RunResult> {
  return runPipeline(compilePipeline(definition), { store });
}

/** Each per-page stage's item counts in a run. */
export function itemCounts(result: RunResult): Record<string, unknown> {
  return Object.fromEntries(PER_PAGE.map((id) => [id, result.stages[id]?.items]));
}
