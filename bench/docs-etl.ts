import * as path from 'node:path';
import { loadPipelineFile } from '../src/definition/load-file';
import type { PipelineDefinition } from '../src/definition/types';
import { compilePipeline } from '../src/plan/compile';
import { runPipeline, type RunResult } from '../src/run/run-pipeline';
import { openDurableStore } from '../src/store/durable-store';
import { MemoryStore } from '../src/store/memory-store';
import type { RunStore } from '../src/store/run-store';
import { commitDocsChanges, createDocsRepo } from '../pipelines/docs-etl/docs-repo';
import { median, removeDir, round3, tempStateDir } from './harness';

/**
 * The document ETL end to end: `pipelines/docs-etl.yaml` over the 246 mathjs
 * pages (a fresh git repository and state folder per run), the first run
 * (every page parsed, chunked, embedded, enriched and stored in LanceDB),
 * then the change commit (3 edited, 2 added, 1 deleted) and the incremental
 * run. The checkpoint overhead is the first run's wall time on a
 * DurableStore against the same run on the in-memory store, with the same
 * params (the repository and the LanceDB folder named by absolute paths, as
 * the in-memory store has no state folder). Each repeat runs both, in
 * alternating order, in the same minute: the overhead is the median of the
 * repeats' own overheads, so a slow spell of a shared machine, which slows
 * both runs of a repeat, does not count as checkpointing.
 */

/** Figures of {@link benchDocsEtl}. */
export interface DocsEtlFigures {
  /** Pages of the first run. */
  readonly pages: number;
  /** Chunks stored by the first run. */
  readonly chunks: number;
  /** Median wall time of the first run on the durable store, ms. */
  readonly firstRunMs: number;
  /** Pages per second of the first run on the durable store. */
  readonly pagesPerSecond: number;
  /** Median wall time of the incremental run after the change commit (5 pages), durable store, ms. */
  readonly incrementalRunMs: number;
  /** Median wall time of the first run on the in-memory store, ms. */
  readonly memoryFirstRunMs: number;
  /** Median over the repeats of (durable - memory) / memory of the first run, %. */
  readonly checkpointOverheadPct: number;
  /** The overhead of each repeat, %. */
  readonly checkpointOverheadPcts: readonly number[];
}

const FILE = path.resolve(__dirname, '../pipelines/docs-etl.yaml');

/** The pipeline file's definition with the repository and the index at absolute paths. */
async function definitionAt(repoDir: string, indexDir: string): Promise<PipelineDefinition> {
  const definition = await loadPipelineFile(FILE);
  return {
    ...definition,
    stages: definition.stages.map((stage) => ('repo' in (stage.params ?? {}) ? { ...stage, params: { ...stage.params, repo: repoDir } } : stage.id === 'store' ? { ...stage, params: { ...stage.params, index: indexDir } } : stage)),
  };
}

/** Runs and times the definition on `store`; the run must succeed. */
async function timedRun(definition: PipelineDefinition, store: RunStore): Promise<{ ms: number; result: RunResult }> {
  const compiled = compilePipeline(definition);
  const started = performance.now();
  const result = await runPipeline(compiled, { store });
  const ms = performance.now() - started;
  if (result.status !== 'SUCCEEDED') throw new Error(`The document ETL run ended ${result.status}: ${result.reason ?? ''}`);
  return { ms, result };
}

/** One durable first run and incremental run, and one in-memory first run, each in fresh folders. */
async function once(memoryFirst: boolean): Promise<{ durableMs: number; incrementalMs: number; memoryMs: number; pages: number; chunks: number }> {
  const dir = tempStateDir();
  try {
    const repo = createDocsRepo(path.join(dir, 'repo'));
    const memory = async (): Promise<number> => (await timedRun(await definitionAt(repo.dir, path.join(dir, 'memory-index')), new MemoryStore())).ms;
    const memoryBefore = memoryFirst ? await memory() : undefined;
    const store = await openDurableStore({ stateDir: path.join(dir, 'state'), pipeline: 'docs-etl' });
    try {
      const definition = await definitionAt(repo.dir, path.join(dir, 'durable-index'));
      const first = await timedRun(definition, store);
      const memoryMs = memoryBefore ?? (await memory());
      commitDocsChanges(repo.dir);
      const incremental = await timedRun(definition, store);
      const chunks = ((await store.getOutput(first.result.outputHashes.store)) as { chunks: number }).chunks;
      return { durableMs: first.ms, incrementalMs: incremental.ms, memoryMs, pages: repo.pages.length, chunks };
    } finally {
      await store.close();
    }
  } finally {
    removeDir(dir);
  }
}

/** Runs the document ETL benchmark. */
export async function benchDocsEtl(repeats = 5, log: (line: string) => void = () => {}): Promise<DocsEtlFigures> {
  const durable: number[] = [];
  const memory: number[] = [];
  const incremental: number[] = [];
  const overheads: number[] = [];
  let pages = 0;
  let chunks = 0;
  // One run first to warm the module cache, LanceDB's native library and the page cache: not counted.
  await once(true);
  for (let i = 0; i < repeats; i++) {
    const r = await once(i % 2 === 0);
    durable.push(r.durableMs);
    memory.push(r.memoryMs);
    incremental.push(r.incrementalMs);
    overheads.push(((r.durableMs - r.memoryMs) / r.memoryMs) * 100);
    pages = r.pages;
    chunks = r.chunks;
  }
  const firstRunMs = round3(median(durable));
  const memoryFirstRunMs = round3(median(memory));
  const figures: DocsEtlFigures = {
    pages,
    chunks,
    firstRunMs,
    pagesPerSecond: round3((pages / firstRunMs) * 1000),
    incrementalRunMs: round3(median(incremental)),
    memoryFirstRunMs,
    checkpointOverheadPct: round3(median(overheads)),
    checkpointOverheadPcts: overheads.map(round3),
  };
  log(`  first run, ${pages} pages -> ${chunks} chunks in LanceDB: ${figures.firstRunMs} ms (${figures.pagesPerSecond} pages/s), median of ${repeats}`);
  log(`  after the change commit (3 edited, 2 added, 1 deleted), the incremental run: ${figures.incrementalRunMs} ms`);
  log(`  the first run on the in-memory store: ${figures.memoryFirstRunMs} ms; checkpoint overhead ${figures.checkpointOverheadPct}% (median; each repeat: ${figures.checkpointOverheadPcts.join(', ')})`);
  return figures;
}

if (require.main === module) {
  benchDocsEtl(Number(process.env.BENCH_REPEATS ?? 5), (line) => process.stdout.write(`${line}\n`)).catch((error: unknown) => {
    process.stderr.write(`${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
    process.exitCode = 1;
  });
}
