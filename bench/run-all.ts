import * as os from 'node:os';
import { benchCheckpointOverhead } from './checkpoint-overhead';
import { benchOrchestration } from './orchestration';
import { fdatasyncProbeMs, round3 } from './harness';
import { benchKernelStart } from './kernel-start';
import { benchScaling } from './scaling';
import { benchWorkforce } from './workforce';
import { BenchReport } from './targets';
import { benchHistory, reportHistory } from './history';
import { benchItemJournal } from './item-journal';
import { benchItems } from './items';
import { benchDocsEtl } from './docs-etl';
import { benchScaleOut } from './scaleout';

/**
 * `npm run bench`: runs every benchmark, prints human lines and each checked
 * figure with its target and pass/fail (`targets.ts`), and prints as its LAST
 * line one JSON object with the figures (ms unless named otherwise) and the
 * checks. Every stage returns a distinct ~1 KB output (`harness.ts`).
 * `BENCH_REPEATS` sets the runs per scenario (default 5).
 */
async function main(): Promise<void> {
  const repeats = Number(process.env.BENCH_REPEATS ?? 5);
  const log = (line: string) => process.stdout.write(`${line}\n`);
  const started = performance.now();
  log(`dagbook benchmarks: node ${process.version}, ${os.cpus().length} CPUs, state in ${os.tmpdir()}, ${repeats} runs per scenario (medians)`);

  const report = new BenchReport(log);
  const fsyncBefore = fdatasyncProbeMs();
  log(`Disk: append + fdatasync median ${fsyncBefore} ms`);
  log('Orchestration overhead, durable store, 1,000 stages each returning a distinct ~1 KB output:');
  const orchestration = await benchOrchestration(repeats, log);
  log(`  the same chain on the in-memory store: ${orchestration.memoryMsPerStageChain1000} ms/stage (context, not a target)`);
  report.add('durable 1,000-stage chain', orchestration.overheadMsPerStageChain1000, 'ms/stage', '<=', 0.25);
  report.add('durable 1,000-stage fan-out', orchestration.overheadMsPerStageFanout1000, 'ms/stage', '<=', 0.15);
  report.add('fully cached 1,000-stage re-run', orchestration.cachedRerunMs1000, 'ms', '<=', 50);

  log('Cost per stage by size (chain, durable store):');
  const scaling = await benchScaling(repeats, log);
  const scalingRatio = round3(scaling.perStageMs10000 / scaling.perStageMs100);
  report.add('per-stage cost at 10,000 vs 100 stages', scalingRatio, 'x', '<=', 1.2);

  log('Checkpoint overhead against the in-memory store, 100 stages of 10 ms:');
  const checkpoint = await benchCheckpointOverhead(repeats, log);
  report.add('checkpoint overhead, chain of 10 ms stages', checkpoint.checkpointOverheadPctChain, '%', '<', 3);

  log('Item journal: 100,000 item records appended one per item as items end, flushed, then loaded by a reopened store:');
  const itemJournal = await benchItemJournal(Math.min(repeats, 3), log);
  // The journal's share of the 100,000 no-op items at >= 20,000 items/s (50 µs an item): a ceiling, not the end-to-end figure.
  report.add('item journal append + group commit, per item', itemJournal.appendUsPerRecord, 'µs/item', '<=', 50);

  log('Per-item stages: 100,000 items on the durable store, then 1% of them changed:');
  const items = await benchItems(Math.min(repeats, 3), log);
  report.add('100,000 no-op items through one per-item stage, durable item records', items.itemsPerSecond, 'items/s', '>=', 20_000);
  report.add('incremental re-run with 1% of 100,000 items changed', items.incrementalRunMs, 'ms', '<=', 1000);

  log('Scale-out through the bullmq executor on one Redis, worker processes of `dagbook worker`:');
  const scaleOut = await benchScaleOut(Math.min(repeats, 3), log);
  report.add('CPU-bound per-item stage (50 ms x 200 items), 2 workers vs 1', scaleOut.cpuSpeedUp, 'x', '>=', 1.8);
  report.add('dispatch per job through the bullmq executor vs raw BullMQ (no-op items, concurrency 50)', scaleOut.dispatchRatio, 'x', '<=', 2);

  log('Workforce simulation (pipelines/workforce.yaml), 5 years x 10,000 employees, DuckDB state, durable store:');
  const workforce = await benchWorkforce(repeats, log);
  report.add('workforce checkpoint overhead, worst year', workforce.checkpointOverheadPctMax, '%', '<', 5);

  log('Document ETL (pipelines/docs-etl.yaml), the 246 mathjs pages into LanceDB, durable store against the in-memory store:');
  const docsEtl = await benchDocsEtl(repeats, log);
  // The team's figure is < 10%; the aim is < 3%.
  report.add('document ETL checkpoint overhead, first run', docsEtl.checkpointOverheadPct, '%', '<', 10);

  log('Fresh tslab kernel, first cell: import dagbook, open a workbench, run one stage (from kernel ready):');
  const kernel = await benchKernelStart(repeats, log);
  report.add('fresh tslab kernel: import + open workbench + run a trivial stage', kernel.firstCellMs, 'ms', '<=', 2000);

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
    memoryMsPerStageChain1000: orchestration.memoryMsPerStageChain1000,
    perStageMs100: scaling.perStageMs100,
    perStageMs1000: scaling.perStageMs1000,
    perStageMs10000: scaling.perStageMs10000,
    perStageRatio10000To100: scalingRatio,
    // The headline: a chain, one stage at a time, so nothing hides the checkpoint's cost.
    checkpointOverheadPct: checkpoint.checkpointOverheadPctChain,
    checkpointOverheadPctChain: checkpoint.checkpointOverheadPctChain,
    checkpointOverheadPctFanout: checkpoint.checkpointOverheadPctFanout,
    checkpointRunMs: checkpoint.runMs,
    kernelFirstCellMs: kernel.firstCellMs,
    workforce,
    items,
    docsEtl,
    scaleOut,
    itemJournal,
    perStageCurve: scaling.curve,
    samples: orchestration.samples,
    history,
    fdatasyncMs: [fsyncBefore, fsyncAfter],
    repeats,
    totalSeconds: Math.round((performance.now() - started) / 100) / 10,
    allPass: report.allPass,
    checks: report.checks,
  };
  log(JSON.stringify(figures));
}

main().catch((error: unknown) => {
  process.stderr.write(`${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
  process.exitCode = 1;
});
