import * as path from 'node:path';
import { loadPipelineFile } from '../../../src/definition/load-file';
import type { PipelineDefinition, StageDefinition } from '../../../src/definition/types';
import type { PeriodCheckpoint } from '../../../src/plan/period-checkpoint';
import { compilePipeline } from '../../../src/plan/compile';
import { runPipeline, type RunResult } from '../../../src/run/run-pipeline';
import type { RunStore } from '../../../src/store/run-store';

/** Helpers to load, adjust and run `pipelines/workforce.yaml` in tests. */

/** The workforce pipeline file. */
export const WORKFORCE_FILE = path.resolve(__dirname, '../../../pipelines/workforce.yaml');

/** The simulated years. */
export const YEARS = ['2025', '2026', '2027', '2028', '2029'];

/** A change of one stage: params merged over its own, and its period params. */
export interface StageChange {
  readonly params?: Record<string, unknown>;
  readonly periodParams?: Record<string, Record<string, unknown>>;
  /** Wraps its run function (its `fn`, and so its code identity, stays). */
  readonly wrap?: (run: StageDefinition['run']) => StageDefinition['run'];
}

/** The pipeline file's definition with `changes` applied per stage id. */
export async function workforceDefinition(changes: Readonly<Record<string, StageChange>> = {}): Promise<PipelineDefinition> {
  const definition = await loadPipelineFile(WORKFORCE_FILE);
  return {
    ...definition,
    stages: definition.stages.map((stage) => {
      const change = changes[stage.id];
      if (!change) return stage;
      return {
        ...stage,
        ...(change.params ? { params: { ...stage.params, ...change.params } } : {}),
        ...(change.periodParams ? { periodParams: change.periodParams } : {}),
        ...(change.wrap ? { run: change.wrap(stage.run) } : {}),
      };
    }),
  };
}

/** The definition with a census of `censusSize` employees. */
export function smallCensus(censusSize: number, changes: Readonly<Record<string, StageChange>> = {}): Promise<PipelineDefinition> {
  return workforceDefinition({ ...changes, census: { ...changes.census, params: { ...changes.census?.params, censusSize } } });
}

/** Runs the definition on `store`. */
export function runWorkforce(definition: PipelineDefinition, store: RunStore): Promise<RunResult> {
  return runPipeline(compilePipeline(definition), { store });
}

/** Each stage's status in a run. */
export function statuses(result: RunResult): Record<string, string> {
  return Object.fromEntries(Object.entries(result.stages).map(([id, r]) => [id, r.status]));
}

/** Each year's checkpointed state parts, read from the store. */
export async function checkpointStates(store: RunStore, result: Pick<RunResult, 'outputHashes'>): Promise<Record<string, Readonly<Record<string, string>>>> {
  const out: Record<string, Readonly<Record<string, string>>> = {};
  for (const year of YEARS) {
    const checkpoint = (await store.getOutput(result.outputHashes[`checkpoint@${year}`])) as PeriodCheckpoint;
    out[year] = checkpoint.state?.parts ?? {};
  }
  return out;
}
