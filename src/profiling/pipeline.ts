import * as path from 'node:path';
import type { PipelineDefinition, StageDefinition, StageFn } from '../definition/types';
import { DEFAULT_DATA_DIR, DEFAULT_TABLE_FILES, listTableFiles, PROJECT_ROOT, resolveDataDir } from './phase-io';
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
  /** Folder of CSV/JSON tables (relative to the project root). @default the vega-datasets folder */
  readonly dataDir?: string;
  /** Files in `dataDir` to profile. @default the seven example tables for the default folder, else every .csv/.json in it */
  readonly files?: readonly string[];
  /** Stages running at once, at most. @default 3 */
  readonly maxParallel?: number;
  /** Where the HTML report is written (relative to the project root). @default 'state/reports/profiling-report.html' */
  readonly reportPath?: string;
  /** Pipeline name (the folder under `state/`). @default 'profiling' */
  readonly name?: string;
}

/** Path of the pipeline file `pipelines/profiling.yaml`. */
export const PROFILING_PIPELINE_FILE = path.join(PROJECT_ROOT, 'pipelines', 'profiling.yaml');

/** Folder the pipeline file's declared `inputs` are relative to (its own): pass it as `runPipeline`'s `baseDir`. */
export const PROFILING_BASE_DIR = path.dirname(PROFILING_PIPELINE_FILE);

interface PhaseSpec {
  readonly id: string;
  readonly deps: readonly string[];
  readonly run: StageFn;
  readonly description: string;
}

/** The phases, in definition order. */
export const PROFILING_PHASES: readonly PhaseSpec[] = [
  { id: 'import', deps: [], run: importPhase.run, description: 'Read every table: rows, columns, file hashes' },
  { id: 'typing', deps: ['import'], run: typing.run, description: 'Infer column types and formats with a confidence' },
  { id: 'statistics', deps: ['typing'], run: statistics.run, description: 'Per-column counts, distinct, min/max, mean, std, quantiles, top values' },
  { id: 'relationships', deps: ['typing'], run: relationships.run, description: 'Candidate keys and foreign keys by value containment' },
  { id: 'temporal', deps: ['typing'], run: temporal.run, description: 'Granularity, coverage and gaps of time columns' },
  { id: 'statistical_quality', deps: ['statistics'], run: statisticalQuality.run, description: 'Null rates, IQR outliers, duplicates, constant columns, quality score' },
  { id: 'correlations', deps: ['statistics'], run: correlations.run, description: "Pearson, Spearman and Cramer's V" },
  { id: 'semantic', deps: ['statistics'], run: semantic.run, description: 'Column roles: identifier, measure, dimension, timestamp, geo coordinate' },
  { id: 'slicing', deps: ['temporal'], run: slicing.run, description: 'Slices by period and dimension with aggregates' },
  { id: 'business_cycles', deps: ['temporal'], run: businessCycles.run, description: 'Seasonality by autocorrelation' },
  { id: 'topology', deps: ['relationships', 'correlations'], run: topology.run, description: 'Relationship graph: components, hubs, degrees' },
  { id: 'validation', deps: ['semantic'], run: validation.run, description: 'Rules over the semantic annotations' },
  { id: 'entropy', deps: ['statistics', 'semantic', 'relationships', 'correlations'], run: entropy.run, description: 'Shannon entropy per column and per table' },
  {
    id: 'report',
    deps: ['import', 'typing', 'statistics', 'statistical_quality', 'relationships', 'correlations', 'semantic', 'temporal', 'slicing', 'business_cycles', 'topology', 'validation', 'entropy'],
    run: report.run,
    description: 'One HTML report of the whole profile',
  },
];

/**
 * The profiling pipeline definition. Declared input files are absolute, so
 * a run's `baseDir` does not matter; with the default data folder the params
 * match the pipeline file's.
 */
export function profilingPipeline(options: ProfilingOptions = {}): PipelineDefinition {
  const dataDir = options.dataDir === undefined ? DEFAULT_DATA_DIR : resolveDataDir(options.dataDir);
  const absDir = resolveDataDir(dataDir);
  const files = options.files ?? (options.dataDir === undefined ? DEFAULT_TABLE_FILES : listTableFiles(absDir));
  const params: Record<string, Record<string, unknown>> = {
    import: { dataDir, files: [...files] },
    report: { reportPath: options.reportPath ?? 'state/reports/profiling-report.html', title: 'Data profile' },
  };
  const stages: StageDefinition[] = PROFILING_PHASES.map((p) => ({
    id: p.id,
    deps: [...p.deps],
    run: p.run,
    description: p.description,
    ...(params[p.id] ? { params: params[p.id] } : {}),
    ...(p.id === 'import' ? { inputs: files.map((f) => path.join(absDir, f)) } : {}),
  }));
  return { name: options.name ?? 'profiling', description: 'Profile a folder of CSV/JSON tables in 14 phases', maxParallel: options.maxParallel ?? 3, stages };
}
