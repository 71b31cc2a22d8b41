import { escapeHtml } from '../../src/display/html';
import type { BusinessCyclesOutput, SeriesCycles } from './phases/business-cycles';
import type { CorrelationsOutput } from './phases/correlations';
import type { EntropyOutput } from './phases/entropy';
import type { ImportOutput } from './phases/import';
import type { QualityOutput } from './phases/statistical-quality';
import type { RelationshipsOutput } from './phases/relationships';
import type { SemanticOutput } from './phases/semantic';
import type { SlicingOutput } from './phases/slicing';
import type { StatisticsOutput } from './phases/statistics';
import type { TemporalOutput } from './phases/temporal';
import type { TopologyOutput } from './phases/topology';
import type { TypingOutput } from './phases/typing';
import type { ValidationOutput } from './phases/validation';

/**
 * Renders the whole profile as one self-contained HTML document: inline CSS
 * and inline SVG charts, no scripts. Plain TypeScript string building.
 */

/** Every phase's output, by stage id. */
export interface ProfileOutputs {
  readonly import: ImportOutput;
  readonly typing: TypingOutput;
  readonly statistics: StatisticsOutput;
  readonly statistical_quality: QualityOutput;
  readonly relationships: RelationshipsOutput;
  readonly correlations: CorrelationsOutput;
  readonly semantic: SemanticOutput;
  readonly temporal: TemporalOutput;
  readonly slicing: SlicingOutput;
  readonly business_cycles: BusinessCyclesOutput;
  readonly topology: TopologyOutput;
  readonly validation: ValidationOutput;
  readonly entropy: EntropyOutput;
}

/** Escapes text for HTML content and attributes (the displays' escaper, re-exported). */
export { escapeHtml };

function table(head: readonly string[], rows: readonly (readonly unknown[])[]): string {
  if (rows.length === 0) return '<p class="none">none</p>';
  return `<table><thead><tr>${head.map((h) => `<th>${escapeHtml(h)}</th>`).join('')}</tr></thead><tbody>${rows
    .map((r) => `<tr>${r.map((c) => `<td>${c === undefined || c === null ? '' : escapeHtml(c)}</td>`).join('')}</tr>`)
    .join('')}</tbody></table>`;
}

function section(id: string, title: string, body: string): string {
  return `<section id="${id}"><h2>${escapeHtml(title)}</h2>${body}</section>`;
}

/** An SVG line chart of an autocorrelation function with the cycle lag marked. */
export function acfChart(s: SeriesCycles, width = 480, height = 120): string {
  const n = s.acf.length;
  if (n < 2) return '';
  const x = (i: number) => ((i / (n - 1)) * (width - 20) + 10).toFixed(1);
  const y = (v: number) => (((1 - v) / 2) * (height - 20) + 10).toFixed(1);
  const points = s.acf.map((v, i) => `${x(i)},${y(v)}`).join(' ');
  const mark = s.cycle ? `<line x1="${x(s.cycle.period)}" x2="${x(s.cycle.period)}" y1="10" y2="${height - 10}" stroke="#d62728" stroke-dasharray="3 3"/>` : '';
  return `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" role="img" aria-label="autocorrelation of ${escapeHtml(s.table)}.${escapeHtml(s.measure)}"><line x1="10" x2="${width - 10}" y1="${y(0)}" y2="${y(0)}" stroke="#bbb"/>${mark}<polyline fill="none" stroke="#1f77b4" stroke-width="1.5" points="${points}"/></svg>`;
}

function bars(items: readonly { label: string; value: number }[], max: number): string {
  const w = 300;
  const h = 18;
  return `<svg xmlns="http://www.w3.org/2000/svg" width="${w + 220}" height="${items.length * h + 4}">${items
    .map((it, i) => `<text x="0" y="${i * h + 13}" font-size="12">${escapeHtml(it.label)}</text><rect x="150" y="${i * h + 3}" width="${((it.value / max) * w).toFixed(1)}" height="${h - 6}" fill="#2ca02c"/><text x="${155 + (it.value / max) * w}" y="${i * h + 13}" font-size="11">${it.value}</text>`)
    .join('')}</svg>`;
}

const CSS = `body{font-family:system-ui,sans-serif;margin:1.5rem;color:#222}h1{font-size:1.5rem}h2{font-size:1.2rem;border-bottom:1px solid #ddd;margin-top:2rem}
table{border-collapse:collapse;margin:.5rem 0;font-size:.85rem}th,td{border:1px solid #ddd;padding:2px 6px;text-align:left}th{background:#f4f4f4}
.none{color:#888}.fail-error{color:#b00}.fail-warning{color:#a60}.card{display:inline-block;margin:0 1rem 1rem 0;vertical-align:top}`;

/** The report's HTML. `generatedAt` is left out when undefined, so equal profiles render equal documents. */
export function renderReport(p: ProfileOutputs, title: string, generatedAt?: string): string {
  const score = (name: string) => p.statistical_quality.tables.find((t) => t.name === name)?.score;
  const overview = table(
    ['table', 'rows', 'columns', 'bytes', 'quality score', 'sha256'],
    p.import.tables.map((t) => [t.name, t.rows, t.columns.length, t.bytes, score(t.name), t.sha256.slice(0, 12)]),
  ) + bars(p.statistical_quality.tables.map((t) => ({ label: t.name, value: t.score })), 100);
  const columns = p.statistics.tables
    .map((t) => {
      const roles = p.semantic.tables.find((s) => s.name === t.name)?.columns ?? [];
      const ent = p.entropy.tables.find((e) => e.name === t.name)?.columns ?? [];
      const src = t.source.columns;
      return `<h3>${escapeHtml(t.name)}</h3>${table(
        ['column', 'type', 'format', 'confidence', 'role', 'count', 'nulls', 'distinct', 'min', 'max', 'mean', 'std', 'p50', 'top', 'entropy (norm.)'],
        t.columns.map((c, i) => [
          c.name, c.type, src[i]?.format, c.confidence, roles[i]?.role, c.count, c.nulls, c.distinct, c.min, c.max, c.mean, c.std, c.quantiles?.p50,
          c.top.slice(0, 3).map((v) => `${v.value} (${v.count})`).join(', '), ent[i]?.normalized,
        ]),
      )}`;
    })
    .join('');
  const quality = table(
    ['table', 'null rate', 'outlier rate', 'duplicate rows', 'constant columns', 'score'],
    p.statistical_quality.tables.map((t) => [t.name, t.nullRate, t.outlierRate, t.duplicateRows, t.constantColumns.join(', '), t.score]),
  );
  const rel =
    '<h3>Candidate keys</h3>' + table(['table', 'columns'], p.relationships.candidateKeys.map((k) => [k.table, k.columns.join(' + ')])) +
    '<h3>Foreign keys</h3>' + table(['from', 'to', 'containment', 'distinct'], p.relationships.foreignKeys.map((f) => [`${f.from.table}.${f.from.column}`, `${f.to.table}.${f.to.column}`, f.containment, f.distinct]));
  const corr = table(
    ['table', 'pair', 'pearson', 'spearman', "Cramer's V", 'n'],
    p.correlations.tables.flatMap((t) => [
      ...t.numeric.map((c) => [t.name, `${c.a} ~ ${c.b}`, c.pearson, c.spearman, undefined, c.n]),
      ...t.categorical.map((c) => [t.name, `${c.a} ~ ${c.b}`, undefined, undefined, c.cramersV, c.n]),
    ]),
  );
  const temporal = table(
    ['table', 'column', 'format', 'min', 'max', 'granularity', 'coverage', 'gaps', 'largest gap'],
    p.temporal.columns.map((c) => [c.table, c.column, c.format, c.min, c.max, c.granularity, c.coverage, c.gapCount, c.largestGaps[0] ? `${c.largestGaps[0].from} .. ${c.largestGaps[0].to} (${c.largestGaps[0].periods})` : '']),
  );
  const slicing = p.slicing.tables
    .map((t) => `<h3>${escapeHtml(t.name)} by ${escapeHtml(t.period)} (${escapeHtml(t.timeColumn)})</h3>` + table(['slice', 'rows', 'measure means'], t.byPeriod.map((s) => [s.slice, s.rows, Object.entries(s.measures).map(([m, a]) => `${m}=${a.mean}`).join(', ')])) +
      t.byDimension.map((d) => `<h4>by ${escapeHtml(d.column)}</h4>` + table(['slice', 'rows', 'measure means'], d.slices.map((s) => [s.slice, s.rows, Object.entries(s.measures).map(([m, a]) => `${m}=${a.mean}`).join(', ')]))).join(''))
    .join('');
  const cycles = p.business_cycles.series
    .map((s) => `<div class="card"><b>${escapeHtml(`${s.table}.${s.measure}`)}</b> by ${escapeHtml(s.granularity)}: ${s.cycle ? `cycle of ${s.cycle.period} ${escapeHtml(s.granularity)}(s) (~${s.cycle.periodDays} days), strength ${s.cycle.strength}` : 'no cycle'}<br>${acfChart(s)}</div>`)
    .join('');
  const topo =
    table(['table', 'in', 'out', 'neighbours'], p.topology.tables.map((t) => [t.name, t.inDegree, t.outDegree, t.neighbours])) +
    `<p>Components: ${p.topology.components.map((c) => `{${c.map(escapeHtml).join(', ')}}`).join(' ')}</p><p>Hubs: ${p.topology.hubs.map(escapeHtml).join(', ') || 'none'}</p>` +
    table(['table', 'correlated columns'], p.topology.correlationClusters.map((c) => [c.table, c.columns.join(', ')]));
  const v = p.validation.summary;
  const validation = `<p>${v.passed} passed, ${v.error} error(s), ${v.warning} warning(s), ${v.info} info</p>` +
    table(['rule', 'severity', 'table', 'column', 'message'], p.validation.results.filter((r) => !r.passed).map((r) => [r.rule, r.severity, r.table, r.column, r.message]));
  const entropy = table(['table', 'mean normalized entropy', 'high-entropy columns', 'structured columns'], p.entropy.tables.map((t) => [t.name, t.meanNormalized, t.highEntropyColumns.join(', '), t.structuredColumns.join(', ')]));
  return `<!DOCTYPE html><html lang="en"><head><meta charset="utf-8"><title>${escapeHtml(title)}</title><style>${CSS}</style></head><body>
<h1>${escapeHtml(title)}</h1>${generatedAt ? `<p>Generated ${escapeHtml(generatedAt)}</p>` : ''}
${section('overview', 'Tables', overview)}${section('columns', 'Columns: types, roles, statistics', columns)}${section('quality', 'Statistical quality', quality)}
${section('relationships', 'Relationships', rel)}${section('correlations', 'Correlations', corr)}${section('temporal', 'Time columns', temporal)}
${section('cycles', 'Business cycles', cycles)}${section('slicing', 'Slices', slicing)}${section('topology', 'Topology', topo)}
${section('validation', 'Validation', validation)}${section('entropy', 'Entropy', entropy)}</body></html>`;
}
