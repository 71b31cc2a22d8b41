import type { Plan, PlanStage } from '../../src/plan/plan';
import { planOf } from './small-plan';

/** A template of a hand-built plan with periods: per period (`per`), once before the periods (`before`), or once after them (`after`). */
export type TemplateKind = 'per' | 'before' | 'after';

/**
 * A plan with periods as the engine lays it out, built by hand: the `before`
 * stages, then per period its per-period stages (each on the previous one,
 * the first on the previous period's checkpoint) and its `checkpoint@<key>`,
 * then the `after` stages. Ids are `<template>@<key>`.
 */
export function periodPlanOf(name: string, axis: { readonly name: string; readonly keys: readonly string[] }, templates: readonly (readonly [string, TemplateKind])[]): Plan {
  const base = planOf(name, [['x', []]]);
  const template: PlanStage = base.stages.x;
  const stages: Record<string, PlanStage> = {};
  const order: string[] = [];
  const add = (id: string, deps: readonly string[], extra: Partial<PlanStage> = {}) => {
    stages[id] = { ...template, id, deps, dependents: [], ...extra };
    order.push(id);
  };
  const before = templates.filter(([, k]) => k === 'before').map(([t]) => t);
  for (const t of before) add(t, []);
  let previous: string | undefined;
  for (const key of axis.keys) {
    const mine: string[] = [];
    for (const [t, kind] of templates) {
      if (kind !== 'per') continue;
      const deps = mine.length > 0 ? [mine[mine.length - 1]] : [...before, ...(previous ? [previous] : [])];
      const id = `${t}@${key}`;
      add(id, deps, { template: t, period: key });
      mine.push(id);
    }
    previous = `checkpoint@${key}`;
    add(previous, mine, { template: 'checkpoint', period: key, role: 'checkpoint' });
  }
  for (const [t, kind] of templates) if (kind === 'after') add(t, axis.keys.map((k) => `checkpoint@${k}`));
  return {
    ...base,
    stages,
    order,
    roots: order.filter((id) => stages[id].deps.length === 0),
    periods: { name: axis.name, keys: axis.keys, values: axis.keys.map(Number), stateHash: false },
  };
}
