import * as fs from 'node:fs';
import * as path from 'node:path';
import type { PipelineDefinition, StageDefinition } from '../src/definition/types';
import { compilePipeline, openDurableStore, openWorkbench, runPipeline } from './library';
import { median, removeDir, round3, tempStateDir, timeMs } from './harness';

/**
 * Cost against history: one 50-stage chain run again and again in one state
 * folder, each run a real run through `runPipeline` on the durable store (the
 * store opened before and closed after, as a notebook cell or the CLI does).
 * Every stage takes a param `round` that changes on every run, so every stage
 * really runs and stores a distinct ~1 KB output; the cached runs repeat the
 * last round. Measured in a folder with `early` earlier runs and in one with
 * `late`, the two alternated: the median run (open + run + close), the
 * median fully cached run, opening (and closing) the store without writing,
 * and `wb.status()`; their ratios late / early should stay <= 1.2. Also
 * reports `db.json`'s size and the state folder's size and file count, which
 * the retention policy bounds.
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

/** One timing of each figure, ms. */
interface Sample {
  readonly run: number;
  readonly cached: number;
  readonly open: number;
  readonly status: number;
}

/** One state folder's history of the benchmark pipeline: its runs so far, and how to add and time one more. */
class History {
  readonly dir = tempStateDir();
  round = 0;
  runs = 0;

  /** Opens the store, runs the pipeline with params `round`, closes the store; returns the ms of all three. */
  async run(round: number): Promise<number> {
    const compiled = compilePipeline(definition(round));
    const ms = await timeMs(async () => {
      const store = await openDurableStore({ stateDir: this.dir, pipeline: PIPELINE });
      try {
        const result = await runPipeline(compiled, { store });
        if (result.status !== 'SUCCEEDED') throw new Error(`The benchmark run ended ${result.status}`);
      } finally {
        await store.close();
      }
    });
    this.runs++;
    return ms;
  }

  /** Runs with a new round (every stage runs) until `count` runs are in the history. */
  async fillTo(count: number): Promise<void> {
    while (this.runs < count) await this.run(++this.round);
  }

  /** Times a run whose stages all run, a fully cached one, an open and close writing nothing, and a `wb.status()`. */
  async sample(): Promise<Sample> {
    const run = await this.run(++this.round);
    const cached = await this.run(this.round);
    const open = await timeMs(async () => (await openDurableStore({ stateDir: this.dir, pipeline: PIPELINE })).close());
    const wb = await openWorkbench(definition(this.round), { stateDir: this.dir, baseDir: this.dir, quiet: true, sink: () => {} });
    const status = await timeMs(() => wb.status());
    return { run, cached, open, status };
  }

  /** What the folder holds now. */
  point(earlierRuns: number, samples: readonly Sample[]): HistoryPoint {
    const root = path.join(this.dir, PIPELINE);
    const folder = folderSize(root);
    return {
      earlierRuns,
      runMs: round3(median(samples.map((s) => s.run))),
      cachedRunMs: round3(median(samples.map((s) => s.cached))),
      openMs: round3(median(samples.map((s) => s.open))),
      statusMs: round3(median(samples.map((s) => s.status))),
      dbBytes: fs.statSync(path.join(root, 'db.json')).size,
      folderBytes: folder.bytes,
      folderFiles: folder.files,
      runFolders: fs.readdirSync(path.join(root, 'runs')).length,
    };
  }
}

/**
 * Runs the history benchmark: one state folder filled to `early` runs and
 * another to `late`, then `samples` rounds that time each figure in one
 * folder and then the other, so that the machine's speed, which drifts over
 * the minutes the filling takes, weighs on both alike.
 */
export async function benchHistory(log: (line: string) => void = () => {}, options: { early?: number; late?: number; samples?: number } = {}): Promise<HistoryFigures> {
  const early = options.early ?? 10;
  const late = options.late ?? 1000;
  const samples = options.samples ?? 7;
  const short = new History();
  const long = new History();
  const describe = (p: HistoryPoint) =>
    `run ${p.runMs} ms, cached run ${p.cachedRunMs} ms, open ${p.openMs} ms, status ${p.statusMs} ms; db.json ${kb(p.dbBytes)}, folder ${kb(p.folderBytes)} in ${p.folderFiles} files (${p.runFolders} run folders)`;
  try {
    const fillStarted = performance.now();
    await long.fillTo(late);
    const fillSeconds = Math.round((performance.now() - fillStarted) / 100) / 10;
    await short.fillTo(early);
    const shortSamples: Sample[] = [];
    const longSamples: Sample[] = [];
    for (let i = 0; i < samples; i++) {
      shortSamples.push(await short.sample());
      longSamples.push(await long.sample());
    }
    const first = short.point(early, shortSamples);
    const second = long.point(late, longSamples);
    log(`  after ${first.earlierRuns} runs: ${describe(first)}`);
    log(`  after ${second.earlierRuns} runs: ${describe(second)} (filled in ${fillSeconds} s; ${samples} samples of each, the two folders alternated)`);
    const ratio = (a: number, b: number) => Math.round((b / a) * 100) / 100;
    return {
      early: first,
      late: second,
      ratios: { run: ratio(first.runMs, second.runMs), cachedRun: ratio(first.cachedRunMs, second.cachedRunMs), open: ratio(first.openMs, second.openMs), status: ratio(first.statusMs, second.statusMs) },
      fillSeconds,
    };
  } finally {
    removeDir(short.dir);
    removeDir(long.dir);
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
