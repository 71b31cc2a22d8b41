import * as path from 'node:path';
import type { PipelineDefinition, StageDefinition, StageFn } from '../../src/definition/types';
import { DagbookError } from '../../src/errors';
import { DEFAULT_DATA_DIR, DEFAULT_TABLE_FILES, listTableFiles, PIPELINE_DIR, resolveDataDir } from './phase-io';
import * as businessCycles from './phases/business-cycles';
import * as correlations from './phases/correlations';
import * as entropy from './phases/entropy';
import * as importPhase from './phases/import';
import * as relationships from './phases/relationships';
import * as report from './phases/report';
import * as semantic from './phases/semantic';
import * as slicing from './phases/slicing';
import * as statisticalQuality from './phases/statistical-quality';
import * as statistics from './phases/statistics';
import * as temporal from './phases/temporal';
import * as topology from './phases/topology';
import * as typing from './phases/typing';
import * as validation from './phases/validation';

/**
 * The data profiling pipeline as a TS definition: the same stages as
 * `pipelines/profiling.yaml`. After `typing` three branches run at once:
 * statistics (-> quality, correlations, semantic -> validation), relationships
 * and temporal (-> slicing, business_cycles); topology, entropy and the
 * report join them.
 */

/** Options of {@link profilingPipeline}. */
export interface ProfilingOptions {
  /** Folder of CSV/JSON tables (relative paths resolve from the pipeline folder, `pipelines/`). @default the vega-datasets folder */
  readonly dataDir?: string;
  /** Files in `dataDir` to profile. @default the seven example tables for the default folder, else every .csv/.json in it */
  readonly files?: readonly string[];
  /** Stages running at once, at most. @default 3 */
  readonly maxParallel?: number;
  /**
   * The state folder the HTML report is written under, as
   * `<stateDir>/<name>/reports/profiling-report.html`, when the run keeps its
   * state in memory (a run with a durable store writes it beside its own
   * state, `ctx.stateDir`, whatever this says).
   * @default `$DAGBOOK_STATE_DIR` when the report runs, else the project's `state/`
   */
  readonly stateDir?: string;
  /** Pipeline name (its folder in the state folder). @default 'profiling' */
  readonly name?: string;
  /**
   * Phases whose attempts run in worker threads (`isolation: 'thread'`). None
   * by default: measured on the example tables, each thread phase costs
   * ~150-200 ms more than on the main thread (worker start, and a re-parse of
   * the tables that the main thread shares between phases), more than the
   * phases' own work.
   * @default []
   */
  readonly threadPhases?: readonly string[];
}

/** Path of the pipeline file `pipelines/profiling.yaml`. */
export const PROFILING_PIPELINE_FILE = path.join(PIPELINE_DIR, 'profiling.yaml');

/** Folder the pipeline file's declared `inputs` and `dataDir` are relative to (its own): pass it as `runPipeline`'s `baseDir`. */
export const PROFILING_BASE_DIR = PIPELINE_DIR;

interface PhaseSpec {
  readonly id: string;
  readonly deps: readonly string[];
  readonly run: StageFn;
  readonly description: string;
  /** `module#export` of `run` with an absolute module path (what a worker thread loads). */
  readonly fn: string;
}

/** `fn` of a phase: the `run` export of its module in `phases/`. */
function phaseFn(file: string): string {
  return `${path.join(__dirname, 'phases', `${file}.ts`)}#run`;
}

/** The phases, in definition order. */
export const PROFILING_PHASES: readonly PhaseSpec[] = [
  { id: 'import', deps: [], run: importPhase.run, description: 'Read every table: rows, columns, file hashes', fn: phaseFn('import') },
  { id: 'typing', deps: ['import'], run: typing.run, description: 'Infer column types and formats with a confidence', fn: phaseFn('typing') },
  { id: 'statistics', deps: ['typing'], run: statistics.run, description: 'Per-column counts, distinct, min/max, mean, std, quantiles, top values', fn: phaseFn('statistics') },
  { id: 'relationships', deps: ['typing'], run: relationships.run, description: 'Candidate keys and foreign keys by value containment', fn: phaseFn('relationships') },
  { id: 'temporal', deps: ['typing'], run: temporal.run, description: 'Granularity, coverage and gaps of time columns', fn: phaseFn('temporal') },
  { id: 'statistical_quality', deps: ['statistics'], run: statisticalQuality.run, description: 'Null rates, IQR outliers, duplicates, constant columns, quality score', fn: phaseFn('statistical-quality') },
  { id: 'correlations', deps: ['statistics'], run: correlations.run, description: "Pearson, Spearman and Cramer's V", fn: phaseFn('correlations') },
  { id: 'semantic', deps: ['statistics'], run: semantic.run, description: 'Column roles: identifier, measure, dimension, timestamp, geo coordinate', fn: phaseFn('semantic') },
  { id: 'slicing', deps: ['temporal'], run: slicing.run, description: 'Slices by period and dimension with aggregates', fn: phaseFn('slicing') },
  { id: 'business_cycles', deps: ['temporal'], run: businessCycles.run, description: 'Seasonality by autocorrelation', fn: phaseFn('business-cycles') },
  { id: 'topology', deps: ['relationships', 'correlations'], run: topology.run, description: 'Relationship graph: components, hubs, degrees', fn: phaseFn('topology') },
  { id: 'validation', deps: ['semantic'], run: validation.run, description: 'Rules over the semantic annotations', fn: phaseFn('validation') },
  { id: 'entropy', deps: ['statistics', 'semantic', 'relationships', 'correlations'], run: entropy.run, description: 'Shannon entropy per column and per table', fn: phaseFn('entropy') },
  {
    id: 'report',
    deps: ['import', 'typing', 'statistics', 'statistical_quality', 'relationships', 'correlations', 'semantic', 'temporal', 'slicing', 'business_cycles', 'topology', 'validation', 'entropy'],
    run: report.run,
    description: 'One HTML report of the whole profile',
    fn: phaseFn('report'),
  },
];

/**
 * The profiling pipeline definition. Declared input files are absolute, so
 * a run's `baseDir` does not matter; with the default data folder the params
 * match the pipeline file's. Every phase has `fn` (its module's absolute
 * path), so any of them can run in a worker thread (`threadPhases`).
 * @throws DagbookError `INVALID_OPTION` when `threadPhases` names an unknown phase.
 */
export function profilingPipeline(options: ProfilingOptions = {}): PipelineDefinition {
  const dataDir = options.dataDir === undefined ? DEFAULT_DATA_DIR : resolveDataDir(options.dataDir);
  const absDir = resolveDataDir(dataDir);
  const files = options.files ?? (options.dataDir === undefined ? DEFAULT_TABLE_FILES : listTableFiles(absDir));
  const params: Record<string, Record<string, unknown>> = {
    import: { dataDir, files: [...files] },
    report: {
      title: 'Data profile',
      ...(options.stateDir === undefined ? {} : { stateDir: path.resolve(PIPELINE_DIR, options.stateDir) }),
      ...(options.name === undefined ? {} : { pipeline: options.name }),
    },
  };
  const threadPhases = options.threadPhases ?? [];
  const unknown = threadPhases.filter((id) => !PROFILING_PHASES.some((p) => p.id === id));
  if (unknown.length > 0) {
    throw new DagbookError(
      'INVALID_OPTION',
      `Expected \`threadPhases\` to name profiling phases (${PROFILING_PHASES.map((p) => `\`${p.id}\``).join(', ')}), got \`${JSON.stringify(unknown)}\``,
      { errorClass: 'persistent', data: { threadPhases: [...threadPhases] } },
    );
  }
  const stages: StageDefinition[] = PROFILING_PHASES.map((p) => ({
    id: p.id,
    deps: [...p.deps],
    run: p.run,
    fn: p.fn,
    ...(threadPhases.includes(p.id) ? { isolation: 'thread' as const } : {}),
    description: p.description,
    ...(params[p.id] ? { params: params[p.id] } : {}),
    ...(p.id === 'import' ? { inputs: files.map((f) => path.join(absDir, f)) } : {}),
  }));
  return { name: options.name ?? 'profiling', description: 'Profile a folder of CSV/JSON tables in 14 phases', maxParallel: options.maxParallel ?? 3, stages };
}
