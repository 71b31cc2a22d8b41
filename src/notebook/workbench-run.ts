import type { ItemRunOptions } from '../run/item-options';
import type { Clock } from '../clock';
import type { FailurePolicy } from '../definition/types';
import { newLiveDisplay, inNotebook, type LiveDisplay } from '../display/notebook-display';
import { periodAxis } from '../display/period-axis';
import { ProgressModel } from '../display/progress-view';
import type { EventListener, PipelineEvent } from '../events/event';
import { dryRun } from '../query/dry-run';
import type { CompiledPipeline } from '../plan/plan';
import type { SelectionOptions } from '../plan/select';
import { loadResumeState } from '../run/resume-state';
import { startRun, type RunResult } from '../run/run-pipeline';
import type { RunStore } from '../store/run-store';
import type { CellEdits } from './workbench-edits';
import { renderEventLine } from './workbench-views';

/**
 * A workbench run followed live: the dry run gives the stages and their
 * estimated durations, then the run's events drive a progress view — a live
 * display in a notebook, redrawn at most every `refreshMs` (and at least every
 * second while the run lasts), or one plain-text line per notable event
 * outside it.
 */

/** Options of {@link runWithProgress}, fully resolved by the workbench. */
export interface ProgressRunOptions {
  /** Which stages. */
  readonly selection: SelectionOptions;
  /** Re-run regardless of cache: `true` for every selected stage, or these stage ids. */
  readonly force?: boolean | readonly string[];
  /** Overrides the plan's maxParallel (ignored when 0 or absent). */
  readonly maxParallel?: number;
  /** Overrides the plan's failure policy. */
  readonly failurePolicy?: FailurePolicy;
  /** Cancels the run when aborted. */
  readonly signal?: AbortSignal;
  /** Resume this run instead of starting a new one. */
  readonly resume?: string;
  /** Which items of the per-item stages run. */
  readonly items?: ItemRunOptions;
  /** Folder that declared input files are relative to. */
  readonly baseDir: string;
  /** Stages whose definitions notebook cells edited, and how (recorded on their stage records). */
  readonly editedInCell: CellEdits;
  /** The run's time source, also the progress view's. */
  readonly clock: Clock;
  /** Show no progress at all. */
  readonly quiet: boolean;
  /** Minimum interval between live progress updates, ms. */
  readonly refreshMs: number;
  /** Outside a notebook, print a line per notable event. */
  readonly eventLines: boolean;
  /** Extra subscribers to the run's events, after the progress view. */
  readonly listeners: readonly EventListener[];
  /** Prints a plain-text line (the event lines outside a notebook). */
  readonly text: (line: string) => void;
}

/** What {@link runWithProgress} returns. */
export interface ProgressRun {
  /** The run's result. */
  readonly result: RunResult;
  /** The live display the progress went to (in a notebook, unless quiet), for the view that replaces it. */
  readonly live: LiveDisplay | undefined;
}

/** Runs the selected stages with `store`, showing live progress, and resolves when the run has ended. */
export async function runWithProgress(compiled: CompiledPipeline, store: RunStore, options: ProgressRunOptions): Promise<ProgressRun> {
  const { selection, clock } = options;
  const dry = await dryRun(compiled, { store, selection, force: options.force, baseDir: options.baseDir });
  const estimates: Record<string, number> = {};
  for (const row of dry.rows) if (row.estimatedMs !== undefined) estimates[row.stageId] = row.estimatedMs;
  const stages = dry.rows.map((r) => r.stageId);
  // A resumed run sends no event for the stages it keeps: they start settled, as stored.
  const kept = options.resume ? (await loadResumeState(store, options.resume, stages)).kept : {};
  const periods = periodAxis(compiled.plan);
  const model = new ProgressModel({ stages, estimatesMs: estimates, startedAt: clock.now(), kept, ...(periods === undefined ? {} : { periods }) });
  const live = options.quiet ? undefined : inNotebook() ? newLiveDisplay() : undefined;
  let lastRefresh = -Infinity;
  let dirty = false;
  const refresh = (force: boolean) => {
    const now = clock.monotonic();
    if (!live) return;
    if (!force && now - lastRefresh < options.refreshMs) {
      dirty = true;
      return;
    }
    dirty = false;
    lastRefresh = now;
    live.update(model.view(clock.now()));
  };
  // Draws what throttling held back, and keeps elapsed time and ETA moving
  // while a long stage reports nothing.
  const ticker = live
    ? setInterval(() => {
        if (dirty || clock.monotonic() - lastRefresh >= 1000) refresh(true);
      }, options.refreshMs)
    : undefined;
  ticker?.unref();
  const handle = startRun(compiled, {
    store,
    clock,
    selection,
    force: options.force,
    baseDir: options.baseDir,
    editedInCell: options.editedInCell,
    ...(options.maxParallel ? { maxParallel: options.maxParallel } : {}),
    ...(options.failurePolicy ? { failurePolicy: options.failurePolicy } : {}),
    ...(options.signal ? { signal: options.signal } : {}),
    ...(options.resume ? { resume: options.resume } : {}),
    ...(options.items ? { items: options.items } : {}),
    listeners: [
      (event: PipelineEvent) => {
        model.apply(event);
        if (live) refresh(event.type === 'PIPELINE_COMPLETE');
        else if (!options.quiet && options.eventLines) {
          const line = renderEventLine(event);
          if (line) options.text(line);
        }
      },
      ...options.listeners,
    ],
  });
  try {
    return { result: await handle.result, live };
  } finally {
    if (ticker) clearInterval(ticker);
  }
}
