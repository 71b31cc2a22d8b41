import type { PipelineDefinition, StageDefinition } from '../definition/types';

/**
 * The changes a notebook cell makes to a workbench's pipeline, as pure
 * functions from one definition to the next: the workbench compiles the
 * result and keeps the previous definition when it does not compile.
 */

/** `definition` with `stage` in place of the stage with its id, or added after the others when there is none. */
export function withStage(definition: PipelineDefinition, stage: StageDefinition<any>): PipelineDefinition {
  const stages = definition.stages.some((s) => s.id === stage.id)
    ? definition.stages.map((s) => (s.id === stage.id ? stage : s))
    : [...definition.stages, stage];
  return { ...definition, stages };
}

/** `definition` with `params` merged into the params of stage `stageId`; undefined when it has no such stage. */
export function withParams(definition: PipelineDefinition, stageId: string, params: Readonly<Record<string, unknown>>): PipelineDefinition | undefined {
  const stage = definition.stages.find((s) => s.id === stageId);
  if (!stage) return undefined;
  return withStage(definition, { ...stage, params: { ...(stage.params ?? {}), ...params } });
}
