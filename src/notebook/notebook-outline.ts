import type { Plan } from '../plan/plan';

/**
 * What a generated notebook shows of a pipeline: plain data taken from the
 * compiled plan, stages in plan order, secret params already redacted, so
 * the cells can be generated (and tested) without the pipeline's code.
 */

/**
 * The kind of a stage's section. Every stage is a `stage` today; a stage
 * that expands per period or maps over items gets its own kind here, and
 * `stageSectionCells` (`notebook-cells.ts`) its per-period or per-item view
 * cells: that switch is the one place a new kind of section is added.
 */
export type OutlineStageKind = 'stage';

/** One stage as its section describes it. */
export interface OutlineStage {
  /** Stage id. */
  readonly id: string;
  /** What kind of section it gets (see {@link OutlineStageKind}). */
  readonly kind: OutlineStageKind;
  /** One line on what the stage does. */
  readonly description?: string;
  /** Stages it needs, as defined. */
  readonly deps: readonly string[];
  /** Stages that need it, in plan order. */
  readonly dependents: readonly string[];
  /** Its params, secret ones replaced by {@link SECRET}. */
  readonly params: Readonly<Record<string, unknown>>;
  /** `module#export` of its code, for a stage from a pipeline file. */
  readonly fn?: string;
  /** False when the definition disables it. */
  readonly enabled: boolean;
}

/** A pipeline as its notebook describes it. */
export interface NotebookOutline {
  /** Pipeline name. */
  readonly name: string;
  /** One line on what it does. */
  readonly description?: string;
  /** The pipeline file relative to the notebook's folder, with `/` separators (`../pipelines/orders.yaml`). */
  readonly file: string;
  /** Its stages, in plan order. */
  readonly stages: readonly OutlineStage[];
}

/** What a secret param's value is shown as. */
export const SECRET = '(secret)';

/** The outline of `plan`, whose file is at `file` relative to the notebook's folder. */
export function notebookOutline(plan: Plan, file: string): NotebookOutline {
  const stages = plan.order.map((id): OutlineStage => {
    const stage = plan.stages[id];
    const params = Object.fromEntries(Object.entries(stage.params).map(([k, v]) => [k, stage.secretParams.includes(k) ? SECRET : v]));
    return {
      id,
      kind: 'stage',
      ...(stage.description === undefined ? {} : { description: stage.description }),
      deps: stage.deps,
      dependents: stage.dependents,
      params,
      ...(stage.fn === undefined ? {} : { fn: stage.fn }),
      enabled: stage.enabled,
    };
  });
  return { name: plan.name, ...(plan.description === undefined ? {} : { description: plan.description }), file, stages };
}
