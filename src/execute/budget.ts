import { DagbookError } from '../errors';
import type { EventMetadataByType } from '../events/event';
import type { Plan, PlanBudget } from '../plan/plan';

/**
 * The run's ledger of named resources (tokens, cost, ...): global budgets for
 * the whole run and per-stage budgets. Usage of unbudgeted resources is still
 * tracked, so run records can report it.
 *
 * Usage is recorded even when it goes over a limit: the resource was already
 * consumed, and under-reporting spend would let later stages start. The
 * recording call then throws `BUDGET_EXHAUSTED` to stop the stage. A stage's
 * usage adds up over all its attempts within a run.
 */

/** Usage figures after one record: the RESOURCE_USAGE event metadata. */
export type ResourceUsage = EventMetadataByType['RESOURCE_USAGE'];

/** A crossing of a budget's critical ratio: the BUDGET_WARNING event metadata plus the stage. */
export interface BudgetWarning {
  /** `stage` for a per-stage budget, `global` for the run's. */
  readonly scope: 'stage' | 'global';
  /** Stage whose usage crossed the ratio. */
  readonly stageId: string;
  /** Resource name. */
  readonly resource: string;
  /** Used so far in this scope. */
  readonly used: number;
  /** The scope's limit. */
  readonly limit: number;
  /** `used / limit`. */
  readonly ratio: number;
}

/** Persistable usage, so the ledger survives a restart. */
export interface BudgetLedgerSnapshot {
  /** Run-wide usage by resource. */
  readonly global: Readonly<Record<string, number>>;
  /** Usage by stage id, then resource. */
  readonly stages: Readonly<Record<string, Readonly<Record<string, number>>>>;
  /** Scopes already warned about, as `global:<resource>` or `stage:<stageId>:<resource>`. */
  readonly warned: readonly string[];
}

/** Options of a {@link BudgetLedger}. */
export interface BudgetLedgerOptions {
  /** Global budgets by resource. @default {} */
  readonly budgets?: Readonly<Record<string, PlanBudget>>;
  /** Per-stage limits by stage id, then resource (PlanStage.budgets). @default {} */
  readonly stageBudgets?: Readonly<Record<string, Readonly<Record<string, number>>>>;
  /** Critical ratio of per-stage budgets whose resource has no global budget. @default 0.8 */
  readonly defaultCriticalRatio?: number;
  /** Called once per scope when usage first reaches the critical ratio. @default no-op */
  readonly onWarning?: (warning: BudgetWarning) => void;
  /** Usage to resume from. */
  readonly usage?: BudgetLedgerSnapshot;
  /** Told of every use recorded (over a limit too), with the figures after it. @default no-op */
  readonly onUsage?: (stageId: string, usage: ResourceUsage) => void;
}

/** See the module comment. */
export class BudgetLedger {
  private readonly budgets: Readonly<Record<string, PlanBudget>>;
  private readonly stageBudgets: Readonly<Record<string, Readonly<Record<string, number>>>>;
  private readonly defaultCriticalRatio: number;
  private readonly onWarning: (warning: BudgetWarning) => void;
  private readonly onUsage: (stageId: string, usage: ResourceUsage) => void;
  private readonly globalUsed = new Map<string, number>();
  private readonly stageUsed = new Map<string, Map<string, number>>();
  private readonly warned = new Set<string>();

  constructor(options: BudgetLedgerOptions = {}) {
    this.budgets = options.budgets ?? {};
    this.stageBudgets = options.stageBudgets ?? {};
    this.defaultCriticalRatio = options.defaultCriticalRatio ?? 0.8;
    this.onWarning = options.onWarning ?? (() => {});
    this.onUsage = options.onUsage ?? (() => {});
    if (options.usage) this.restore(options.usage);
  }

  /** A ledger with the plan's global budgets and each stage's budgets. */
  static fromPlan(plan: Plan, options: Omit<BudgetLedgerOptions, 'budgets' | 'stageBudgets'> = {}): BudgetLedger {
    const stageBudgets: Record<string, Readonly<Record<string, number>>> = {};
    for (const [id, stage] of Object.entries(plan.stages)) stageBudgets[id] = stage.budgets;
    return new BudgetLedger({ ...options, budgets: plan.budgets, stageBudgets });
  }

  /**
   * Records `amount` of `resource` used by stage `stageId`; returns the figures
   * after it. Emits a warning (once per scope) on reaching the critical ratio.
   * @throws DagbookError `INVALID_OPTION` when `amount` is not a finite number >= 0.
   * @throws DagbookError `BUDGET_EXHAUSTED` (class `resource`) when the stage's
   *   or the run's use now exceeds its limit; the amount stays recorded.
   */
  record(stageId: string, resource: string, amount: number): ResourceUsage {
    if (typeof amount !== 'number' || !Number.isFinite(amount) || amount < 0) {
      throw new DagbookError(
        'INVALID_OPTION',
        `Expected \`amount\` of \`${resource}\` to be a finite number >= 0, got \`${String(amount)}\``,
        { stageId, errorClass: 'logic', data: { resource, amount } },
      );
    }
    let stage = this.stageUsed.get(stageId);
    if (!stage) this.stageUsed.set(stageId, (stage = new Map()));
    stage.set(resource, (stage.get(resource) ?? 0) + amount);
    this.globalUsed.set(resource, (this.globalUsed.get(resource) ?? 0) + amount);
    const figures = this.figures(stageId, resource, amount);

    if (figures.stageLimit !== undefined) this.warnOnce('stage', stageId, resource, figures.stageUsed, figures.stageLimit);
    if (figures.globalLimit !== undefined) this.warnOnce('global', stageId, resource, figures.globalUsed, figures.globalLimit);
    this.onUsage(stageId, figures);

    if (figures.stageLimit !== undefined && figures.stageUsed > figures.stageLimit) {
      throw this.exhausted('stage', stageId, resource, figures.stageUsed, figures.stageLimit);
    }
    if (figures.globalLimit !== undefined && figures.globalUsed > figures.globalLimit) {
      throw this.exhausted('global', stageId, resource, figures.globalUsed, figures.globalLimit);
    }
    return figures;
  }

  /** The current figures of a stage's resource, as `record` returns them; `amount` is echoed. */
  figures(stageId: string, resource: string, amount = 0): ResourceUsage {
    const stageLimit = this.stageBudgets[stageId]?.[resource];
    const globalLimit = this.budgets[resource]?.limit;
    return {
      resource,
      amount,
      stageUsed: this.stageUsed.get(stageId)?.get(resource) ?? 0,
      ...(stageLimit === undefined ? {} : { stageLimit }),
      globalUsed: this.globalUsed.get(resource) ?? 0,
      ...(globalLimit === undefined ? {} : { globalLimit }),
    };
  }

  /** What stage `stageId` may still use: the lower of its own and the run's remainder, at least 0; Infinity when unbudgeted. */
  remaining(stageId: string, resource: string): number {
    const f = this.figures(stageId, resource);
    const stageLeft = f.stageLimit === undefined ? Infinity : f.stageLimit - f.stageUsed;
    const globalLeft = f.globalLimit === undefined ? Infinity : f.globalLimit - f.globalUsed;
    return Math.max(0, Math.min(stageLeft, globalLeft));
  }

  /** Resources with a budget that applies to stage `stageId`: the global ones, then its own. */
  budgetedResources(stageId: string): string[] {
    return [...new Set([...Object.keys(this.budgets), ...Object.keys(this.stageBudgets[stageId] ?? {})])];
  }

  /** The first resource (in budget order) whose global budget is fully used, or null: then no new stage starts. */
  globalExhausted(): string | null {
    for (const [resource, budget] of Object.entries(this.budgets)) {
      if ((this.globalUsed.get(resource) ?? 0) >= budget.limit) return resource;
    }
    return null;
  }

  /** The first resource stage `stageId` has fully used (its own or the global budget), or null. */
  stageExhausted(stageId: string): string | null {
    const global = this.globalExhausted();
    if (global !== null) return global;
    for (const [resource, limit] of Object.entries(this.stageBudgets[stageId] ?? {})) {
      if ((this.stageUsed.get(stageId)?.get(resource) ?? 0) >= limit) return resource;
    }
    return null;
  }

  /** A stage's usage by resource. */
  stageUsage(stageId: string): Record<string, number> {
    return Object.fromEntries(this.stageUsed.get(stageId) ?? []);
  }

  /** The run's usage by resource. */
  totals(): Record<string, number> {
    return Object.fromEntries(this.globalUsed);
  }

  /** The persistable usage. */
  toJSON(): BudgetLedgerSnapshot {
    const stages: Record<string, Record<string, number>> = {};
    for (const [id, usage] of this.stageUsed) stages[id] = Object.fromEntries(usage);
    return { global: this.totals(), stages, warned: [...this.warned] };
  }

  /** A ledger with these budgets, resumed from persisted usage. */
  static fromJSON(snapshot: BudgetLedgerSnapshot, options: Omit<BudgetLedgerOptions, 'usage'> = {}): BudgetLedger {
    return new BudgetLedger({ ...options, usage: snapshot });
  }

  private restore(snapshot: BudgetLedgerSnapshot): void {
    for (const [resource, used] of Object.entries(snapshot.global)) this.globalUsed.set(resource, used);
    for (const [id, usage] of Object.entries(snapshot.stages)) this.stageUsed.set(id, new Map(Object.entries(usage)));
    for (const scope of snapshot.warned) this.warned.add(scope);
  }

  private criticalRatio(resource: string): number {
    return this.budgets[resource]?.criticalRatio ?? this.defaultCriticalRatio;
  }

  private warnOnce(scope: 'stage' | 'global', stageId: string, resource: string, used: number, limit: number): void {
    const id = scope === 'global' ? `global:${resource}` : `stage:${stageId}:${resource}`;
    if (this.warned.has(id) || used < limit * this.criticalRatio(resource)) return;
    this.warned.add(id);
    this.onWarning({ scope, stageId, resource, used, limit, ratio: limit > 0 ? used / limit : 1 });
  }

  private exhausted(scope: 'stage' | 'global', stageId: string, resource: string, used: number, limit: number): DagbookError {
    const whose = scope === 'stage' ? `its \`${resource}\` budget` : `the run's global \`${resource}\` budget`;
    return new DagbookError(
      'BUDGET_EXHAUSTED',
      `Stage \`${stageId}\` exhausted ${whose}: used ${used} of ${limit}`,
      { stageId, errorClass: 'resource', data: { scope, resource, used, limit } },
    );
  }
}
