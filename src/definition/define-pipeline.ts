import type { PipelineDefinition, StageDefinition } from './types';

/**
 * Returns the definition unchanged. Its only job is typing: editors check the
 * fields and infer each stage's `ctx` and `inputs` as you write. Compile it
 * with `compilePipeline` to validate it.
 */
export function definePipeline(def: PipelineDefinition): PipelineDefinition {
  return def;
}

/**
 * Returns the stage unchanged, with its output type `O` inferred from `run`,
 * so a stage can be written on its own (in its own cell or file) and listed
 * in a pipeline later.
 */
export function defineStage<O>(stage: StageDefinition<O>): StageDefinition<O> {
  return stage;
}
