import type { StageDefinition } from '../src/definition/types';
import { compilePipeline, MemoryStore, openDurableStore, runPipeline } from './library';
import { chain, fanout, median, removeDir, round3, tempStateDir, timeMs } from './harness';

/**
 * Orchestration overhead with durable checkpoints: wall time of a run of
 * stages that do no work but each return a distinct ~1 KB output, on a DurableStore in a real folder, divided by the stages; and
 * the wall time of re-running the unchanged pipeline (every stage restored
 * from cache). Each figure is the median of `repeats` runs, each in a fresh
 * folder with a fresh store (opening and closing it are not timed), after one
 * uncounted round of the same shapes.
 */

/** Figures of {@link benchOrchestration}. */
export interface OrchestrationFigures {
  /** Median ms per stage, 1,000 stages in a chain. */
  readonly overheadMsPerStageChain1000: number;
  /** Median ms per stage, 1,000 stages as a fan-out. */
  readonly overheadMsPerStageFanout1000: number;
  /** Median ms of re-running the unchanged 1,000-stage chain (all cached). */
  readonly cachedRerunMs1000: number;
  /** Median ms per stage of the same chain on the in-memory store: what orchestration alone costs on this machine now. */
  readonly memoryMsPerStageChain1000: number;
  /** Median CPU ms (user + system) per stage of the chain runs: the part that does not wait on the disk. */
  readonly cpuMsPerStageChain1000: number;
  /** Every sample, for the record. */
  readonly samples: { readonly chain: number[]; readonly fanout: number[]; readonly cachedRerun: number[] };
}

/** One durable run of `stages` in a fresh folder; with `rerun`, also times a second, cached run. */
export async function durableRun(name: string, stages: StageDefinition[], rerun = false): Promise<{ firstMs: number; firstCpuMs: number; rerunMs?: number; cached: number }> {
  const dir = tempStateDir();
  const store = await openDurableStore({ stateDir: dir, pipeline: name });
  try {
    const compiled = compilePipeline({ name, stages });
    let status = '';
    const cpu = process.cpuUsage();
    const firstMs = await timeMs(async () => (status = (await runPipeline(compiled, { store })).status));
    const used = process.cpuUsage(cpu);
    const firstCpuMs = (used.user + used.system) / 1000;
    if (status !== 'SUCCEEDED') throw new Error(`The benchmark run ended ${status}`);
    if (!rerun) return { firstMs, firstCpuMs, cached: 0 };
    let cached = 0;
    const rerunMs = await timeMs(async () => {
      const result = await runPipeline(compiled, { store });
      cached = Object.values(result.stages).filter((r) => r.status === 'CACHED').length;
    });
    return { firstMs, firstCpuMs, rerunMs, cached };
  } finally {
    await store.close();
    removeDir(dir);
  }
}

/** Runs the orchestration benchmarks. */
export async function benchOrchestration(repeats = 5, log: (line: string) => void = () => {}): Promise<OrchestrationFigures> {
  const n = 1000;
  const chainMs: number[] = [];
  const fanoutMs: number[] = [];
  const rerunMs: number[] = [];
  const cpuMs: number[] = [];
  const memoryMs: number[] = [];
  // Warm-up, not counted: one round of every measured shape at full size. With a smaller one the first repeat ran
  // 1.5-2x slower than the others (the JIT and the heap still growing) and moved the median of 5.
  await durableRun('warmup', chain(n), true);
  await durableRun('warmup', fanout(n));
  await runPipeline(compilePipeline({ name: 'warmup', stages: chain(n) }), { store: new MemoryStore() });
  for (let i = 0; i < repeats; i++) {
    const c = await durableRun('chain', chain(n), true);
    if (c.cached !== n) throw new Error(`Expected the re-run to restore ${n} stages from cache, got ${c.cached}`);
    chainMs.push(c.firstMs / n);
    cpuMs.push(c.firstCpuMs / n);
    rerunMs.push(c.rerunMs as number);
    fanoutMs.push((await durableRun('fanout', fanout(n))).firstMs / n);
    const inMemory = compilePipeline({ name: 'memory', stages: chain(n) });
    memoryMs.push((await timeMs(() => runPipeline(inMemory, { store: new MemoryStore() }))) / n);
    log(
      `  repeat ${i + 1}: chain ${round3(chainMs[i])} ms/stage (CPU ${round3(cpuMs[i])}; in memory ${round3(memoryMs[i])}), ` +
        `fan-out ${round3(fanoutMs[i])} ms/stage, cached re-run ${round3(rerunMs[i])} ms`,
    );
  }
  return {
    overheadMsPerStageChain1000: round3(median(chainMs)),
    overheadMsPerStageFanout1000: round3(median(fanoutMs)),
    cachedRerunMs1000: round3(median(rerunMs)),
    memoryMsPerStageChain1000: round3(median(memoryMs)),
    cpuMsPerStageChain1000: round3(median(cpuMs)),
    samples: { chain: chainMs.map(round3), fanout: fanoutMs.map(round3), cachedRerun: rerunMs.map(round3) },
  };
}
