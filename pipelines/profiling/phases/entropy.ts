import type { StageContext, StageInputs } from '../../../src/definition/types';
import { isNumericKind, type Value } from '../infer-type';
import { inputOf, numberParam } from '../phase-io';
import { round, shannonEntropy, valueCounts } from '../stats-math';
import { loadTypedTable, yieldToOthers } from '../typed-table';
import type { CorrelationsOutput } from './correlations';
import type { RelationshipsOutput } from './relationships';
import type { SemanticOutput, SemanticRole } from './semantic';
import type { StatisticsOutput } from './statistics';

/**
 * Phase `entropy`: Shannon entropy of each column's value distribution
 * (numeric columns with many distinct values binned into equal-width bins)
 * and a per-table summary that joins the roles, keys and correlations: how
 * much of the table is explained by structure, and which columns carry the
 * most uncertainty. Plain TypeScript.
 */

/** Entropy of one column. */
export interface ColumnEntropy {
  readonly name: string;
  readonly role: SemanticRole;
  /** Bits, 4 decimals. */
  readonly entropy: number;
  /** entropy / log2(levels), in [0, 1], 4 decimals (0 for a single level). */
  readonly normalized: number;
  /** Distinct values, or bins for binned columns. */
  readonly levels: number;
  /** True when the values were binned. */
  readonly binned: boolean;
}

/** Entropy summary of one table. */
export interface TableEntropy {
  readonly name: string;
  readonly columns: readonly ColumnEntropy[];
  /** Mean normalized entropy of the non-identifier columns, 4 decimals. */
  readonly meanNormalized: number;
  /** Non-identifier columns with normalized entropy above `highThreshold`. */
  readonly highEntropyColumns: readonly string[];
  /** Columns in a key, foreign key or strong correlation. */
  readonly structuredColumns: readonly string[];
}

/** Output of `entropy`. */
export interface EntropyOutput {
  readonly tables: readonly TableEntropy[];
}

/** Entropy of values; numeric ones with more than `bins` distinct values are binned. */
export function columnEntropy(values: readonly Value[], numeric: boolean, bins: number): { entropy: number; normalized: number; levels: number; binned: boolean } {
  const present = values.filter((v): v is Exclude<Value, null> => v !== null);
  let counts = valueCounts(present).map(([, c]) => c);
  let binned = false;
  if (numeric && counts.length > bins) {
    const xs = present as number[];
    let lo = Infinity;
    let hi = -Infinity;
    for (const x of xs) (lo = Math.min(lo, x), (hi = Math.max(hi, x)));
    const width = (hi - lo) / bins;
    const b = new Array<number>(bins).fill(0);
    for (const x of xs) b[Math.min(bins - 1, Math.floor((x - lo) / width))]++;
    counts = b;
    binned = true;
  }
  const h = shannonEntropy(counts);
  const levels = counts.filter((c) => c > 0).length;
  return { entropy: round(h), normalized: levels > 1 ? round(h / Math.log2(levels)) : 0, levels, binned };
}

/** Params: `bins` (default 20), `highThreshold` (default 0.9), `minCorrelation` (default 0.7). */
export async function run(ctx: StageContext, inputs: StageInputs): Promise<EntropyOutput> {
  const stats = inputOf<StatisticsOutput>(inputs, 'statistics');
  const semantic = inputOf<SemanticOutput>(inputs, 'semantic');
  const rel = inputOf<RelationshipsOutput>(inputs, 'relationships');
  const corr = inputOf<CorrelationsOutput>(inputs, 'correlations');
  const bins = numberParam(ctx.params, 'bins', 20, 2);
  const high = numberParam(ctx.params, 'highThreshold', 0.9, 0, 1);
  const minR = numberParam(ctx.params, 'minCorrelation', 0.7, 0, 1);
  const tables: TableEntropy[] = [];
  for (const [i, t] of stats.tables.entries()) {
    const table = await loadTypedTable(t.source);
    const roles = semantic.tables.find((s) => s.name === t.name)?.columns ?? [];
    const columns = table.columns.map((c) => ({
      name: c.name,
      role: roles.find((r) => r.name === c.name)?.role ?? 'dimension',
      ...columnEntropy(c.values, isNumericKind(c.type), bins),
    }));
    const structured = new Set<string>();
    for (const k of rel.candidateKeys) if (k.table === t.name) k.columns.forEach((c) => structured.add(c));
    for (const fk of rel.foreignKeys) {
      if (fk.from.table === t.name) structured.add(fk.from.column);
      if (fk.to.table === t.name) structured.add(fk.to.column);
    }
    for (const p of corr.tables.find((c) => c.name === t.name)?.numeric ?? []) {
      if (Math.abs(p.pearson ?? 0) >= minR || Math.abs(p.spearman ?? 0) >= minR) (structured.add(p.a), structured.add(p.b));
    }
    const scored = columns.filter((c) => c.role !== 'identifier');
    tables.push({
      name: t.name,
      columns,
      meanNormalized: scored.length === 0 ? 0 : round(scored.reduce((a, c) => a + c.normalized, 0) / scored.length),
      highEntropyColumns: scored.filter((c) => c.normalized > high).map((c) => c.name),
      structuredColumns: table.columns.map((c) => c.name).filter((n) => structured.has(n)),
    });
    ctx.progress(i + 1, stats.tables.length, t.name);
    await yieldToOthers();
  }
  return { tables };
}
