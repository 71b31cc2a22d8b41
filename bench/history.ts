import * as fs from 'node:fs';
import * as path from 'node:path';
import type { PipelineDefinition, StageDefinition } from '../src/definition/types';
import { openWorkbench } from '../src/notebook/workbench';
import { compilePipeline } from '../src/plan/compile';
import { runPipeline } from '../src/run/run-pipeline';
import { openDurableStore } from '../src/store/durable-store';
import { median, removeDir, round3, tempStateDir, timeMs } from './harness';

/**
 * Cost against history: one 50-stage chain run again and again in one state
 * folder, each run a real run through `runPipeline` on the durable store (the
 * store opened before and closed after, as a notebook cell or the CLI does).
 * Every stage takes a param `round` that changes on every run, so every stage
 * really runs and stores a distinct ~1 KB output; the cached runs repeat the
 * last round. Measured after `early` earlier runs and again after `late`:
 * the median run (open + run + close), the median fully cached run, opening
 * (and closing) the store without writing, and `wb.status()`; their ratios
 * late / early should stay <= 1.2. Also reports `db.json`'s size and the
 * state folder's size and file count, which the retention policy bounds.
 */

const STAGES = 50;
const PIPELINE = 'history';

/** What one measuring point found. */
export interface HistoryPoint {
  /** Runs in the state folder's history when the measuring started. */
  readonly earlierRuns: number;
  /** Median ms of a run whose stages all run (open + run + close). */
  readonly runMs: number;
  /** Median ms of a fully cached run (open + run + close). */
  readonly cachedRunMs: number;
  /** Median ms of opening and closing the store, writing nothing. */
  readonly openMs: number;
  /** Median ms of `wb.status()` (quiet workbench). */
  readonly statusMs: number;
  /** Bytes of `db.json` after the measuring. */
  readonly dbBytes: number;
  /** Bytes of the pipeline's state folder after the measuring. */
  readonly folderBytes: number;
  /** Files in the pipeline's state folder after the measuring. */
  readonly folderFiles: number;
  /** Run folders under `runs/` after the measuring. */
  readonly runFolders: number;
}

/** Figures of {@link benchHistory}. */
export interface HistoryFigures {
  readonly early: HistoryPoint;
  readonly late: HistoryPoint;
  /** late / early of run, cached run, open and status. */
  readonly ratios: { readonly run: number; readonly cachedRun: number; readonly open: number; readonly status: number };
  /** Wall seconds spent filling the history. */
  readonly fillSeconds: number;
}

function definition(round: number): PipelineDefinition {
  const stages: StageDefinition[] = Array.from({ length: STAGES }, (_, i) => ({
    id: `s${i}`,
    deps: i === 0 ? [] : [`s${i - 1}`],
    params: { round },
    run: (ctx) => ({ stage: ctx.stageId, round: ctx.params.round, pad: `${ctx.stageId}:${String(ctx.params.round)}:`.padEnd(1000, '.') }),
  }));
  return { name: PIPELINE, stages };
}

/** Runs the history benchmark: `early` and `late` earlier runs, `samples` of each figure at each point. */
export async function benchHistory(log: (line: string) => void = () => {}, options: { early?: number; late?: number; samples?: number } = {}): Promise<HistoryFigures> {
  const early = options.early ?? 10;
  const late = options.late ?? 1000;
  const samples = options.samples ?? 5;
  const dir = tempStateDir();
  let round = 0;
  let runs = 0;
  const oneRun = async (r: number): Promise<number> => {
    const compiled = compilePipeline(definition(r));
    return timeMs(async () => {
      const store = await openDurableStore({ stateDir: dir, pipeline: PIPELINE });
      try {
        const result = await runPipeline(compiled, { store });
        if (result.status !== 'SUCCEEDED') throw new Error(`The benchmark run ended ${result.status}`);
      } finally {
        await store.close();
      }
      runs++;
    });
  };
  const fillTo = async (count: number) => {
    while (runs < count) await oneRun(++round);
  };
  const measure = async (): Promise<HistoryPoint> => {
    const earlierRuns = runs;
    const runMs: number[] = [];
    const cachedMs: number[] = [];
    const openMs: number[] = [];
    const statusMs: number[] = [];
    for (let i = 0; i < samples; i++) runMs.push(await oneRun(++round));
    for (let i = 0; i < samples; i++) cachedMs.push(await oneRun(round));
    for (let i = 0; i < samples; i++) {
      openMs.push(await timeMs(async () => (await openDurableStore({ stateDir: dir, pipeline: PIPELINE })).close()));
    }
    const wb = await openWorkbench(definition(round), { stateDir: dir, baseDir: dir, quiet: true, sink: () => {} });
    for (let i = 0; i < samples; i++) statusMs.push(await timeMs(() => wb.status()));
    const root = path.join(dir, PIPELINE);
    const folder = folderSize(root);
    return {
      earlierRuns,
      runMs: round3(median(runMs)),
      cachedRunMs: round3(median(cachedMs)),
      openMs: round3(median(openMs)),
      statusMs: round3(median(statusMs)),
      dbBytes: fs.statSync(path.join(root, 'db.json')).size,
      folderBytes: folder.bytes,
      folderFiles: folder.files,
      runFolders: fs.readdirSync(path.join(root, 'runs')).length,
    };
  };
  const describe = (p: HistoryPoint) =>
    `run ${p.runMs} ms, cached run ${p.cachedRunMs} ms, open ${p.openMs} ms, status ${p.statusMs} ms; db.json ${kb(p.dbBytes)}, folder ${kb(p.folderBytes)} in ${p.folderFiles} files (${p.runFolders} run folders)`;
  try {
    await oneRun(++round); // JIT warm-up, counted as history.
    await fillTo(early);
    const first = await measure();
    log(`  after ${first.earlierRuns} runs: ${describe(first)}`);
    const fillStarted = performance.now();
    await fillTo(late);
    const fillSeconds = Math.round((performance.now() - fillStarted) / 100) / 10;
    const second = await measure();
    log(`  after ${second.earlierRuns} runs: ${describe(second)} (filled in ${fillSeconds} s)`);
    const ratio = (a: number, b: number) => Math.round((b / a) * 100) / 100;
    return {
      early: first,
      late: second,
      ratios: { run: ratio(first.runMs, second.runMs), cachedRun: ratio(first.cachedRunMs, second.cachedRunMs), open: ratio(first.openMs, second.openMs), status: ratio(first.statusMs, second.statusMs) },
      fillSeconds,
    };
  } finally {
    removeDir(dir);
  }
}

function folderSize(root: string): { bytes: number; files: number } {
  let bytes = 0;
  let files = 0;
  for (const entry of fs.readdirSync(root, { withFileTypes: true, recursive: true })) {
    if (!entry.isFile()) continue;
    files++;
    bytes += fs.statSync(path.join(entry.parentPath, entry.name)).size;
  }
  return { bytes, files };
}

function kb(bytes: number): string {
  return bytes >= 1024 * 1024 ? `${Math.round(bytes / 1024 / 102.4) / 10} MB` : `${Math.round(bytes / 102.4) / 10} KB`;
}

/** Prints each ratio against its target (<= 1.2); true when all pass. */
export function reportHistory(figures: HistoryFigures, log: (line: string) => void): boolean {
  let ok = true;
  for (const [name, value] of Object.entries(figures.ratios)) {
    const pass = value <= 1.2;
    ok &&= pass;
    log(`  ${name} after ${figures.late.earlierRuns} runs vs after ${figures.early.earlierRuns}: x${value} (target <= 1.2) ${pass ? 'PASS' : 'FAIL'}`);
  }
  return ok;
}

if (require.main === module) {
  const log = (line: string) => process.stdout.write(`${line}\n`);
  const late = Number(process.env.BENCH_HISTORY_RUNS ?? 1000);
  benchHistory(log, { late })
    .then((figures) => {
      reportHistory(figures, log);
      log(JSON.stringify(figures));
    })
    .catch((error: unknown) => {
      process.stderr.write(`${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
      process.exitCode = 1;
    });
}
