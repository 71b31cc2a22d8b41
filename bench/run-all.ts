import * as os from 'node:os';
import { benchCheckpointOverhead } from './checkpoint-overhead';
import { benchOrchestration } from './orchestration';
import { fdatasyncProbeMs } from './harness';
import { benchScaling } from './scaling';
import { benchHistory, reportHistory } from './history';

/**
 * `npm run bench`: runs every benchmark, prints human lines, and prints as
 * its LAST line one JSON object with the figures (ms unless named otherwise).
 * `BENCH_REPEATS` sets the runs per scenario (default 5).
 */
async function main(): Promise<void> {
  const repeats = Number(process.env.BENCH_REPEATS ?? 5);
  const log = (line: string) => process.stdout.write(`${line}\n`);
  const started = performance.now();
  log(`dagbook benchmarks: node ${process.version}, ${os.cpus().length} CPUs, state in ${os.tmpdir()}, ${repeats} runs per scenario (medians)`);

  const fsyncBefore = fdatasyncProbeMs();
  log(`Disk: append + fdatasync median ${fsyncBefore} ms (a no-op stage in a chain costs 2 of these: its RUNNING and its SUCCEEDED checkpoint)`);
  log('Orchestration overhead, durable store, 1,000 no-op stages:');
  const orchestration = await benchOrchestration(repeats, log);
  log(`  chain ${orchestration.overheadMsPerStageChain1000} ms/stage, fan-out ${orchestration.overheadMsPerStageFanout1000} ms/stage (target <= 1), cached re-run ${orchestration.cachedRerunMs1000} ms (target < 1000)`);

  log('Cost per stage by size (chain, durable store):');
  const scaling = await benchScaling(repeats, log);

  log('Checkpoint overhead against the in-memory store, 100 stages of 10 ms (target < 10%):');
  const checkpoint = await benchCheckpointOverhead(repeats, log);

  log('History: one 50-stage pipeline after 10 and after 1,000 earlier runs in one state folder (every run changes a param):');
  const history = await benchHistory(log, { late: Number(process.env.BENCH_HISTORY_RUNS ?? 1000) });
  reportHistory(history, log);

  const fsyncAfter = fdatasyncProbeMs();
  log(`Disk: append + fdatasync median ${fsyncAfter} ms at the end`);

  const figures = {
    overheadMsPerStageChain1000: orchestration.overheadMsPerStageChain1000,
    overheadMsPerStageFanout1000: orchestration.overheadMsPerStageFanout1000,
    cachedRerunMs1000: orchestration.cachedRerunMs1000,
    cpuMsPerStageChain1000: orchestration.cpuMsPerStageChain1000,
    perStageMs100: scaling.perStageMs100,
    perStageMs1000: scaling.perStageMs1000,
    perStageMs10000: scaling.perStageMs10000,
    // The headline: stages run up to maxParallel 4 at once, as the plan's default.
    checkpointOverheadPct: checkpoint.checkpointOverheadPctFanout,
    checkpointOverheadPctChain: checkpoint.checkpointOverheadPctChain,
    checkpointOverheadPctFanout: checkpoint.checkpointOverheadPctFanout,
    checkpointRunMs: checkpoint.runMs,
    perStageCurve: scaling.curve,
    samples: orchestration.samples,
    history,
    fdatasyncMs: [fsyncBefore, fsyncAfter],
    repeats,
    totalSeconds: Math.round((performance.now() - started) / 100) / 10,
  };
  log(JSON.stringify(figures));
}

main().catch((error: unknown) => {
  process.stderr.write(`${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
  process.exitCode = 1;
});
