import { addCacheEntry, touchCacheEntry } from './cache-history';
import type { StateLine } from './log-record';
import { recountRun, summarizeRun } from './run-index';
import type { StateDocument } from './state-schema';

/**
 * How a state record of a run log changes the snapshot document: the one
 * fold that writing, replaying on open and rebuilding from the logs share.
 * A run record updates the run's summary in the index (a running run also
 * keeps its whole record and its stages' states in `active`, dropped when it
 * ends); a stage checkpoint becomes its stage's latest record and moves the
 * run's counts; cache entries and breakers replace their predecessors.
 */

/** Folds one state record into a document (the document is changed in place). */
export function applyStateLine(document: StateDocument, line: StateLine): void {
  switch (line.kind) {
    case 'run': {
      const { run } = line;
      const active = document.active[run.runId];
      const before = document.runs[run.runId];
      const summary = active ? summarizeRun(run, active.stages) : { ...summarizeRun(run, {}), counts: before?.counts ?? {} };
      document.runs[run.runId] = summary;
      if (run.status === 'RUNNING') document.active[run.runId] = { run, stages: active?.stages ?? {} };
      else delete document.active[run.runId];
      break;
    }
    case 'checkpoint': {
      const { runId, record } = line;
      if (line.outputs !== undefined) Object.assign(document.outputs, line.outputs);
      document.latest[record.stageId] = { runId, record };
      const active = document.active[runId];
      const summary = document.runs[runId];
      if (active && summary) {
        document.runs[runId] = recountRun(summary, active.stages[record.stageId], record.status);
        active.stages[record.stageId] = record.status;
      }
      // A stage restored from its cache makes that entry its latest.
      if (record.status === 'CACHED' && record.cacheKey !== undefined) touchCacheEntry(document.cache, record.stageId, record.cacheKey);
      if (line.entry !== undefined) addCacheEntry(document.cache, line.entry);
      break;
    }
    case 'cache':
      if (line.outputs !== undefined) Object.assign(document.outputs, line.outputs);
      addCacheEntry(document.cache, line.entry);
      break;
    case 'breaker':
      document.breakers[line.key] = line.snapshot;
      break;
  }
  if (line.seq > document.appliedSeq) document.appliedSeq = line.seq;
}
