import * as path from 'node:path';
import { loadPipelineFile } from '../src/definition/load-file';
import { compilePipeline } from '../src/plan/compile';
import { runPipeline, type RunResult } from '../src/run/run-pipeline';
import { openDurableStore } from '../src/store/durable-store';
import { closeWorkforceDatabases } from '../pipelines/workforce/database';
import { median, removeDir, round3, tempStateDir } from './harness';

/**
 * The workforce simulation end to end: `pipelines/workforce.yaml` as it is
 * (10,000 employees, 2025..2029) on a DurableStore in a fresh folder, from
 * the census to the summary; and per year the checkpoint's share of the
 * year: `checkpoint@<year>` duration (the engine's record plus the year's
 * state hash over its DuckDB tables and report) / the wall time of the
 * year's other stages (first start to last end), and the state hash's own time. The last year's
 * checkpoint shares the event loop with `summary`, which runs beside it.
 * Medians of `repeats` fresh runs.
 */

/** Figures of {@link benchWorkforce}. */
export interface WorkforceFigures {
  /** Median wall time of the whole simulation, in ms. */
  readonly endToEndMs: number;
  /** Median checkpoint duration per year, in ms. */
  readonly checkpointMsByYear: Record<string, number>;
  /** Median time of the state hash (`yearStateHash`) per year, in ms: its part of the checkpoint. */
  readonly stateHashMsByYear: Record<string, number>;
  /** Median checkpoint overhead per year in % of the year's stage time. */
  readonly checkpointOverheadPctByYear: Record<string, number>;
  /** The largest of the per-year overheads. */
  readonly checkpointOverheadPctMax: number;
}

const FILE = path.resolve(__dirname, '../pipelines/workforce.yaml');

async function onceFresh(): Promise<{ ms: number; result: RunResult; hashMs: Record<string, number> }> {
  const definition = await loadPipelineFile(FILE);
  const stateHash = definition.periods?.stateHash;
  if (!stateHash) throw new Error(`${FILE} declares no periods.stateHash`);
  // The same function, timed: the state hash's share of each checkpoint.
  const hashMs: Record<string, number> = {};
  const timedHash: typeof stateHash = async (ctx) => {
    const started = performance.now();
    const parts = await stateHash(ctx);
    hashMs[ctx.periodKey] = performance.now() - started;
    return parts;
  };
  const compiled = compilePipeline({ ...definition, periods: { ...definition.periods!, stateHash: timedHash } });
  const dir = tempStateDir();
  const store = await openDurableStore({ stateDir: dir, pipeline: compiled.plan.name });
  try {
    const started = performance.now();
    const result = await runPipeline(compiled, { store });
    const ms = performance.now() - started;
    if (result.status !== 'SUCCEEDED') throw new Error(`The workforce run ended ${result.status}: ${result.reason ?? ''}`);
    return { ms, result, hashMs };
  } finally {
    await store.close();
    await closeWorkforceDatabases();
    removeDir(dir);
  }
}

/** Runs the workforce benchmark. */
export async function benchWorkforce(repeats = 5, log: (line: string) => void = () => {}): Promise<WorkforceFigures> {
  const totals: number[] = [];
  const checkpoint: Record<string, number[]> = {};
  const pct: Record<string, number[]> = {};
  const hash: Record<string, number[]> = {};
  for (let i = 0; i < repeats; i++) {
    const { ms, result, hashMs } = await onceFresh();
    totals.push(ms);
    const years = Object.keys(result.stages).filter((id) => id.startsWith('checkpoint@')).map((id) => id.slice('checkpoint@'.length));
    for (const year of years) {
      const cp = result.stages[`checkpoint@${year}`].durationMs ?? 0;
      // The year's wall time, from its first stage's start to its last stage's end (parallel stages overlap, so this is
      // less than their summed durations, and the harder measure of the two).
      const stages = Object.entries(result.stages).filter(([id]) => id.endsWith(`@${year}`) && !id.startsWith('checkpoint@')).map(([, r]) => r);
      const wallMs = Math.max(...stages.map((r) => r.endedAt ?? 0)) - Math.min(...stages.map((r) => r.startedAt ?? Infinity));
      (checkpoint[year] ??= []).push(cp);
      (hash[year] ??= []).push(hashMs[year] ?? 0);
      (pct[year] ??= []).push((cp / wallMs) * 100);
    }
  }
  const byYear = (values: Record<string, number[]>) => Object.fromEntries(Object.entries(values).map(([y, v]) => [y, round3(median(v))]));
  const figures = { endToEndMs: round3(median(totals)), checkpointMsByYear: byYear(checkpoint), stateHashMsByYear: byYear(hash), checkpointOverheadPctByYear: byYear(pct) };
  const max = Math.max(...Object.values(figures.checkpointOverheadPctByYear));
  log(`  5 years x 10,000 employees end to end: ${figures.endToEndMs} ms (median of ${repeats})`);
  for (const year of Object.keys(figures.checkpointMsByYear)) {
    log(`  checkpoint@${year}: ${figures.checkpointMsByYear[year]} ms (state hash ${figures.stateHashMsByYear[year]} ms), ${figures.checkpointOverheadPctByYear[year]}% of the year's wall time`);
  }
  return { ...figures, checkpointOverheadPctMax: max };
}
