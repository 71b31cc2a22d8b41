import { didYouMean } from '../did-you-mean';
import type { PlanIssue } from '../errors';
import type { StageEdges } from '../graph/graph-issues';
import { isRecord } from '../object-kind';
import { MAX_PERIODS } from '../limits';
import { isValidStageId } from './identifiers';
import type { PeriodValue } from './types';

/**
 * The period vocabulary of a definition, read the same way by the TS API
 * and the file loader: the period keys of `periods`, `<id>@previous` deps,
 * and the problems only periods can have (a `perPeriod` stage without
 * `periods`, a `@previous` dep of a period-less stage or on a period-less
 * stage, `periodParams` naming no period, the reserved `checkpoint` id).
 *
 * The graph checks (unknown deps, cycles) run on the stages with their
 * `@previous` deps left out: such a dep points one period back, so it can
 * never close a cycle, and every other dep is the same edge in every period.
 */

/** Suffix of a dep on the previous period's output of a per-period stage. */
export const PREVIOUS_SUFFIX = '@previous';

/** Id of the synthetic last stage of each period, whose output is the period's checkpoint. */
export const CHECKPOINT_TEMPLATE = 'checkpoint';

/** The stage a `<id>@previous` dep names, or undefined when `dep` is not one. */
export function previousOf(dep: string): string | undefined {
  return dep.endsWith(PREVIOUS_SUFFIX) ? dep.slice(0, -PREVIOUS_SUFFIX.length) : undefined;
}

/** The id of a stage expanded per period: `<template>@<periodKey>`. */
export function periodStageId(template: string, periodKey: string): string {
  return `${template}@${periodKey}`;
}

/** The periods of a (checked) `periods` field, in order: the declared values. */
export function periodValues(periods: { readonly from?: number; readonly to?: number; readonly values?: readonly PeriodValue[] }): PeriodValue[] {
  if (periods.values !== undefined) return [...periods.values];
  const values: number[] = [];
  const from = periods.from ?? 0;
  const to = Math.min(periods.to ?? from, from + MAX_PERIODS - 1);
  for (let p = from; p <= to; p += 1) values.push(p);
  return values;
}

/** A stage as far as its period fields could be read, without trusting anything. */
interface RawPeriodStage {
  readonly id: string;
  readonly deps: readonly unknown[];
  readonly forEach: unknown;
  readonly perPeriod: boolean;
  readonly periodParams: unknown;
}

/** What {@link periodEdges} found: the edges for the graph checks and the period problems. */
export interface PeriodEdges {
  /** Each stage's deps with its `@previous` deps replaced by `undefined` (so positions still match the field). */
  readonly edges: StageEdges[];
  /** The period problems, as plan issues. */
  readonly issues: PlanIssue[];
}

/**
 * The graph edges and the period problems of the stages of a definition.
 * @param stages `[id, stage]` of every stage with a usable id, as given.
 * @param periods The definition's `periods` field, as given.
 */
export function periodEdges(stages: readonly (readonly [string, unknown])[], periods: unknown): PeriodEdges {
  const raw = stages.map(([id, stage]): RawPeriodStage => {
    const s = isRecord(stage) ? stage : {};
    return { id, deps: Array.isArray(s.deps) ? s.deps : [], forEach: s.forEach, perPeriod: s.perPeriod === true, periodParams: s.periodParams };
  });
  const hasPeriods = isRecord(periods);
  const keys = hasPeriods ? knownPeriodKeys(periods) : undefined;
  const byId = new Map(raw.map((s) => [s.id, s]));
  const issues: PlanIssue[] = [];
  const issue = (code: PlanIssue['code'], stageId: string, path: string, message: string) => issues.push({ code, path: `stages.${stageId}.${path}`, message, stageId });

  const edges = raw.map((stage): StageEdges => {
    if (hasPeriods && stage.id === CHECKPOINT_TEMPLATE) {
      issue('PLAN_INVALID_FIELD', stage.id, 'id', `Stage id \`${CHECKPOINT_TEMPLATE}\` is reserved in a pipeline with \`periods\`: it names each period's checkpoint (\`${CHECKPOINT_TEMPLATE}@<period>\`)`);
    }
    if (stage.perPeriod && !hasPeriods) {
      issue('PLAN_INVALID_FIELD', stage.id, 'perPeriod', `Stage \`${stage.id}\` has \`perPeriod: true\` but the pipeline declares no \`periods\``);
    }
    if (stage.periodParams !== undefined && !stage.perPeriod) {
      issue('PLAN_INVALID_FIELD', stage.id, 'periodParams', `Stage \`${stage.id}\` has \`periodParams\` but is not \`perPeriod\``);
    } else if (isRecord(stage.periodParams) && keys !== undefined) {
      for (const key of Object.keys(stage.periodParams)) {
        if (!keys.includes(key)) {
          issue('PLAN_INVALID_FIELD', stage.id, `periodParams.${key}`, `Stage \`${stage.id}\` has \`periodParams\` for \`${key}\`, which is not a period: the periods are ${describeKeys(keys)}`);
        }
      }
    }
    const deps = stage.deps.map((dep, j) => {
      if (typeof dep !== 'string') return dep;
      const previous = previousOf(dep);
      if (previous === undefined) {
        if (dep.includes('@')) {
          issue('PLAN_INVALID_FIELD', stage.id, `deps.${j}`, `Stage \`${stage.id}\` depends on \`${dep}\`: expected a stage id, or \`<stage>${PREVIOUS_SUFFIX}\` for the previous period's output`);
          return undefined;
        }
        return dep;
      }
      const target = byId.get(previous);
      if (!stage.perPeriod) {
        issue('PLAN_INVALID_FIELD', stage.id, `deps.${j}`, `Stage \`${stage.id}\` depends on \`${dep}\`, but only a \`perPeriod\` stage has a previous period`);
      } else if (target === undefined) {
        issue('PLAN_UNKNOWN_DEP', stage.id, `deps.${j}`, `Stage \`${stage.id}\` depends on \`${dep}\`, but \`${previous}\` is not a stage${didYouMean(previous, raw.map((s) => s.id))}`);
      } else if (!target.perPeriod) {
        issue('PLAN_INVALID_FIELD', stage.id, `deps.${j}`, `Stage \`${stage.id}\` depends on \`${dep}\`, but \`${previous}\` is not \`perPeriod\`: it has no previous period (depend on \`${previous}\`)`);
      }
      return undefined;
    });
    // A per-item stage depends on its discovery stage (an unknown one is reported by the item checks); after the deps, so their positions stay.
    if (typeof stage.forEach === 'string' && byId.has(stage.forEach) && !stage.deps.includes(stage.forEach)) deps.push(stage.forEach);
    return { id: stage.id, deps };
  });
  return { edges, issues };
}

/** The period keys of a `periods` field when they can be read, else undefined (the schema reports why). */
function knownPeriodKeys(periods: Record<string, unknown>): string[] | undefined {
  const { from, to, values } = periods;
  if (Array.isArray(values)) return values.filter((v) => typeof v === 'number' || typeof v === 'string').map(String);
  if (Number.isInteger(from) && Number.isInteger(to) && (to as number) >= (from as number)) {
    return periodValues({ from: from as number, to: to as number }).map(String);
  }
  return undefined;
}

function describeKeys(keys: readonly string[]): string {
  if (keys.length <= 6) return keys.map((k) => `\`${k}\``).join(', ');
  return `\`${keys[0]}\` to \`${keys[keys.length - 1]}\``;
}

/** `[id, stage]` of every stage of a TS API definition with a usable id. */
export function definitionStageEntries(def: unknown): [string, unknown][] {
  const stages = isRecord(def) ? def.stages : undefined;
  if (!Array.isArray(stages)) return [];
  return stages.filter((s) => isRecord(s) && isValidStageId(s.id)).map((s) => [(s as { id: string }).id, s]);
}
