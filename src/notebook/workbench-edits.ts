import type { PipelineDefinition, StageDefinition } from '../definition/types';
import type { CellEditKind } from '../records';

/**
 * The changes a notebook cell makes to a workbench's pipeline, as pure
 * functions from one definition to the next: the workbench compiles the
 * result and keeps the previous definition when it does not compile. The
 * workbench also keeps which stages the cells edited, and how: these edits
 * live only in the kernel (after a restart the definition cell brings back
 * the original), so every run records them on the stage records, and the
 * status can say that a stage last ran with a definition no cell now makes.
 */

/** The stages notebook cells have edited, each with its kinds of edit in the order first made. */
export type CellEdits = Readonly<Record<string, readonly CellEditKind[]>>;

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

/** `edits` with an edit of `kind` to stage `stageId` added (each kind is listed once per stage). */
export function withEdit(edits: CellEdits, stageId: string, kind: CellEditKind): CellEdits {
  const kinds = Object.prototype.hasOwnProperty.call(edits, stageId) ? edits[stageId] : [];
  return kinds.includes(kind) ? edits : { ...edits, [stageId]: [...kinds, kind] };
}
