import type { StageContext, StageInputs } from '../../../src/definition/types';
import { inputOf, numberParam } from '../phase-io';
import type { SemanticOutput, TableAnnotations } from './semantic';

/**
 * Phase `validation`: rules over the semantic annotations, each result with
 * a severity. Plain TypeScript. Rules:
 * - `has-identifier` (warning): a table has an identifier column;
 * - `geo-pair` (error): a latitude comes with a longitude and the reverse;
 * - `geo-range` (error): latitudes within +/-90, longitudes within +/-180;
 * - `type-confidence` (warning): a column's type fits at least `minConfidence` of its values;
 * - `has-measure-or-dimension` (info): a table has something to analyse besides keys and times.
 */

/** Severities of a rule. */
export type RuleSeverity = 'info' | 'warning' | 'error';

/** One rule checked on one table or column. */
export interface RuleResult {
  readonly rule: string;
  readonly severity: RuleSeverity;
  readonly table: string;
  readonly column?: string;
  readonly passed: boolean;
  readonly message: string;
}

/** Output of `validation`. */
export interface ValidationOutput {
  /** Every check, by table then rule. */
  readonly results: readonly RuleResult[];
  /** Failed checks by severity, and passed checks. */
  readonly summary: { readonly passed: number; readonly info: number; readonly warning: number; readonly error: number };
}

/** The rule results for one table. */
export function validateTable(t: TableAnnotations, minConfidence: number): RuleResult[] {
  const out: RuleResult[] = [];
  const r = (rule: string, severity: RuleSeverity, passed: boolean, message: string, column?: string): void => {
    out.push({ rule, severity, table: t.name, ...(column === undefined ? {} : { column }), passed, message });
  };
  const ids = t.columns.filter((c) => c.role === 'identifier');
  r('has-identifier', 'warning', ids.length > 0, ids.length > 0 ? `identifier: ${ids.map((c) => c.name).join(', ')}` : 'no identifier column');
  const lat = t.columns.filter((c) => c.axis === 'latitude');
  const lon = t.columns.filter((c) => c.axis === 'longitude');
  if (lat.length + lon.length > 0) r('geo-pair', 'error', lat.length === lon.length, `${lat.length} latitude and ${lon.length} longitude column(s)`);
  for (const c of [...lat, ...lon]) {
    const limit = c.axis === 'latitude' ? 90 : 180;
    const ok = c.range !== undefined && c.range[0] >= -limit && c.range[1] <= limit;
    r('geo-range', 'error', ok, `${c.axis} range [${c.range?.join(', ')}] within +/-${limit}`, c.name);
  }
  for (const c of t.columns) {
    if (c.confidence < minConfidence) r('type-confidence', 'warning', false, `type ${c.type} fits ${Math.round(c.confidence * 1000) / 10}% of values`, c.name);
  }
  const analysable = t.columns.filter((c) => c.role === 'measure' || c.role === 'dimension' || c.role === 'geo_coordinate');
  r('has-measure-or-dimension', 'info', analysable.length > 0, `${analysable.length} measure/dimension column(s)`);
  return out;
}

/** Params: `minConfidence` (default 0.99). */
export async function run(ctx: StageContext, inputs: StageInputs): Promise<ValidationOutput> {
  const semantic = inputOf<SemanticOutput>(inputs, 'semantic');
  const minConfidence = numberParam(ctx.params, 'minConfidence', 0.99, 0, 1);
  const results: RuleResult[] = [];
  for (const [i, t] of semantic.tables.entries()) {
    results.push(...validateTable(t, minConfidence));
    ctx.progress(i + 1, semantic.tables.length, t.name);
  }
  const failed = (s: RuleSeverity) => results.filter((x) => !x.passed && x.severity === s).length;
  return { results, summary: { passed: results.filter((x) => x.passed).length, info: failed('info'), warning: failed('warning'), error: failed('error') } };
}
