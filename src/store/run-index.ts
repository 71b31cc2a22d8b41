import type { RunRecord, RunSummary, StageStatus } from '../records';

/**
 * The run index: what the snapshot keeps of each run, a {@link RunSummary}
 * (its record without the stage list, plus how many stages ended in each
 * state). It is small and of fixed size per run, so the snapshot grows only
 * with the runs the retention policy keeps; the run's stage records are read
 * from its log when asked for.
 */

/** The summary of a run whose stages are in these states. */
export function summarizeRun(run: RunRecord, states: Readonly<Record<string, StageStatus>>): RunSummary {
  const counts: Partial<Record<StageStatus, number>> = {};
  for (const status of Object.values(states)) counts[status] = (counts[status] ?? 0) + 1;
  const { stages, ...rest } = run;
  return { ...rest, stageCount: stages.length, counts };
}

/** The summary with one stage moved from state `from` (none: a new stage) to `to`. */
export function recountRun(summary: RunSummary, from: StageStatus | undefined, to: StageStatus): RunSummary {
  if (from === to) return summary;
  const counts = { ...summary.counts };
  if (from !== undefined) {
    const left = (counts[from] ?? 0) - 1;
    if (left > 0) counts[from] = left;
    else delete counts[from];
  }
  counts[to] = (counts[to] ?? 0) + 1;
  return { ...summary, counts };
}

/** A summary read back as a run record, when the run's own log is gone: its stage list is unknown, so empty. */
export function runFromSummary(summary: RunSummary): RunRecord {
  const { stageCount: _count, counts: _counts, ...rest } = summary;
  return { ...rest, stages: [] };
}
