import type { PipelineDefinition } from '../definition/types';
import { compilePipeline } from '../plan/compile';
import type { CompiledPipeline } from '../plan/plan';

/**
 * The pipeline a workbench works on, compiled once per change. A cell that
 * redefines a stage changes the definition; it is compiled at once, so that a
 * change that breaks the pipeline fails in the cell that made it, and is
 * undone: the workbench keeps working on the definition it had.
 */
export class CompiledDefinition {
  private current: PipelineDefinition;
  private cached: CompiledPipeline | undefined;

  /** @throws PLAN_INVALID when `definition` does not compile */
  constructor(definition: PipelineDefinition) {
    this.current = definition;
    this.compiled();
  }

  /** The definition as the cells have changed it. */
  get definition(): PipelineDefinition {
    return this.current;
  }

  /** The compiled pipeline, compiled on first use after a change. @throws PLAN_INVALID */
  compiled(): CompiledPipeline {
    if (!this.cached) this.cached = compilePipeline(this.current);
    return this.cached;
  }

  /**
   * Replaces the definition with `next` and compiles it.
   * @throws PLAN_INVALID when `next` does not compile (the previous definition is kept)
   */
  change(next: PipelineDefinition): void {
    const previous = this.current;
    this.current = next;
    this.cached = undefined;
    try {
      this.compiled();
    } catch (error) {
      this.current = previous;
      this.cached = undefined;
      throw error;
    }
  }
}
