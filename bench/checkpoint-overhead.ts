import type { RunStore } from '../src/store/run-store';
import { compilePipeline, MemoryStore, openDurableStore, runPipeline } from './library';
import { chain, fanout, median, removeDir, round3, rowsOutput, tempStateDir, timeMs, type Body } from './harness';

/**
 * Checkpoint overhead: the same pipeline of stages that each do ~10 ms of
 * work (a real 10 ms timer) and return a distinct ~1 KB output, on the DurableStore versus the MemoryStore:
 * `(durable - memory) / memory * 100`, medians of alternating runs.
 */

/** Figures of {@link benchCheckpointOverhead}. */
export interface CheckpointFigures {
  /** Overhead in %, 100 stages of 10 ms in a chain (one at a time). */
  readonly checkpointOverheadPctChain: number;
  /** Overhead in %, 100 stages of 10 ms as a fan-out with maxParallel 4. */
  readonly checkpointOverheadPctFanout: number;
  /** Median run times in ms by store and shape. */
  readonly runMs: Record<string, number>;
}

const work: Body = (ctx, inputs) => new Promise((resolve) => setTimeout(() => resolve(rowsOutput(ctx, inputs)), 10));

async function timedRun(shape: 'chain' | 'fanout', durable: boolean): Promise<number> {
  const stages = shape === 'chain' ? chain(100, work) : fanout(100, work);
  const compiled = compilePipeline({ name: `work-${shape}`, stages, maxParallel: 4 });
  const dir = durable ? tempStateDir() : undefined;
  const store: RunStore = dir ? await openDurableStore({ stateDir: dir, pipeline: compiled.plan.name }) : new MemoryStore();
  try {
    return await timeMs(() => runPipeline(compiled, { store }));
  } finally {
    await store.close();
    if (dir) removeDir(dir);
  }
}

/** Runs the checkpoint-overhead benchmark. */
export async function benchCheckpointOverhead(repeats = 5, log: (line: string) => void = () => {}): Promise<CheckpointFigures> {
  const runMs: Record<string, number> = {};
  const pct: Record<string, number> = {};
  for (const shape of ['chain', 'fanout'] as const) {
    const memory: number[] = [];
    const durable: number[] = [];
    for (let i = 0; i < repeats; i++) {
      memory.push(await timedRun(shape, false));
      durable.push(await timedRun(shape, true));
    }
    runMs[`${shape}Memory`] = round3(median(memory));
    runMs[`${shape}Durable`] = round3(median(durable));
    pct[shape] = round3(((median(durable) - median(memory)) / median(memory)) * 100);
    log(`  ${shape}: memory ${runMs[`${shape}Memory`]} ms, durable ${runMs[`${shape}Durable`]} ms, overhead ${pct[shape]}%`);
  }
  return { checkpointOverheadPctChain: pct.chain, checkpointOverheadPctFanout: pct.fanout, runMs };
}
