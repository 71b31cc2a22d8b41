import { MultiBar, Presets, type SingleBar } from 'cli-progress';
import { formatDuration, formatNumber } from '../display/format';
import { itemsFraction, itemsLineParts } from '../display/item-progress';
import type { ItemsProgress } from '../display/progress-state';
import { ranOnText, workerCountsText } from '../display/worker-text';
import { periodAxis, type PeriodAxis } from '../display/period-axis';
import { periodLineParts, periodProgress } from '../display/period-progress';
import { ProgressModel } from '../display/progress-view';
import type { EventListener, PipelineEvent } from '../events/event';
import type { Plan } from '../plan/plan';

/**
 * Terminal progress for `dagbook run`: one cli-progress bar per running stage
 * on a TTY, and for a pipeline with periods a first bar of the periods
 * finished, with the current period, the finished periods' times and the ETA
 * of the rest (period-progress.ts). A per-item stage's bar fills with its
 * items, and says how many failed, were cached and run, the rate and the
 * stage's ETA (item-progress.ts); it ends `partial` when items failed. A
 * stage run on a queue worker ends `succeeded on worker host:123`; a
 * per-item stage's bar counts its items per worker. cli-progress prints nothing when stdout is
 * not a TTY, so the CLI falls back to event lines there.
 *
 * The periods' bar needs the run's stages, which RUN_START lists; a resumed
 * run sends no event for the stages it keeps, so it gets no periods' bar.
 */

/** The terminal progress of a run. */
export interface TerminalProgress {
  /** Subscribe this to the run's events. */
  readonly listener: EventListener;
  /** Gives the plan the run is of, before it starts: a plan with periods gets the periods' bar. */
  usePlan(plan: Plan): void;
  /** Stops drawing. */
  stop(): void;
}

/** The periods' bar of a run with periods, fed its events. */
function periodsBar(multi: MultiBar, axis: PeriodAxis): (event: PipelineEvent) => void {
  let model: ProgressModel | undefined;
  let bar: SingleBar | undefined;
  return (event) => {
    if (event.type === 'RUN_START') {
      if (event.metadata.resumedFrom !== undefined) return;
      model = new ProgressModel({ stages: event.metadata.stages, startedAt: Date.parse(event.timestamp), periods: axis });
      bar = multi.create(100, 0, { stage: axis.name, status: 'starting' });
    }
    if (model === undefined || bar === undefined) return;
    model.apply(event);
    const pp = periodProgress(model.snapshot(), axis);
    const finished = pp.periods.filter((p) => p.state !== 'PENDING' && p.state !== 'RUNNING').length;
    const { head, finished: done, eta } = periodLineParts(pp);
    // The ETA before the finished periods: a long list is what the terminal's width cuts.
    const status = [eta, done].filter((part) => part !== '').join(' · ');
    bar.update(pp.periods.length === 0 ? 0 : Math.round((100 * finished) / pp.periods.length), { stage: head, status });
  };
}

/** Draws a run's progress on `stream`, a TTY. */
export function terminalProgress(stream: NodeJS.WriteStream): TerminalProgress {
  const multi = new MultiBar(
    { stream, format: ' {bar} {percentage}% | {stage} | {status}', hideCursor: true, clearOnComplete: false, autopadding: true },
    Presets.shades_classic,
  );
  let periods: ((event: PipelineEvent) => void) | undefined;
  const bars = new Map<string, SingleBar>();
  const items = new Map<string, ItemsProgress>();
  const bar = (stage: string) => {
    let b = bars.get(stage);
    if (!b) {
      b = multi.create(100, 0, { stage, status: 'starting' });
      bars.set(stage, b);
    }
    return b;
  };
  const listener: EventListener = (event) => {
    periods?.(event);
    const stage = event.stageId;
    if (!stage) return;
    switch (event.type) {
      case 'STEP_START':
        bar(stage).update(0, { status: `attempt ${event.metadata.attempt}` });
        break;
      case 'STEP_PROGRESS':
        bar(stage).update(event.metadata.total > 0 ? Math.round((100 * event.metadata.done) / event.metadata.total) : 0, { status: event.message });
        break;
      case 'STEP_RETRY':
        bar(stage).update({ status: `retry in ${formatDuration(event.metadata.delayMs)}` });
        break;
      case 'ITEMS_PROGRESS': {
        items.set(stage, event.metadata);
        // The ETA and rate before the counts: the end of the line is what the terminal's width cuts.
        const { counts, rate, eta } = itemsLineParts(event.metadata, false);
        const where = event.metadata.workers === undefined ? '' : workerCountsText(event.metadata.workers);
        bar(stage).update(Math.round(100 * itemsFraction(event.metadata)), { status: [eta, rate, counts, where].filter((part) => part !== '').join(' · ') });
        break;
      }
      case 'STEP_SUCCESS': {
        const last = items.get(stage);
        const failed = last === undefined || last.failed === 0 ? '' : `partial: ${formatNumber(last.failed)} of ${formatNumber(last.total)} items failed`;
        const where = event.metadata.worker === undefined ? '' : ` ${ranOnText(event.metadata.worker)}`;
        bar(stage).update(100, { status: `${failed || 'succeeded'}${where}` });
        break;
      }
      case 'STEP_FAILURE':
        if (event.metadata.final) bar(stage).update({ status: `FAILED (${event.metadata.code})${event.metadata.worker === undefined ? '' : ` ${ranOnText(event.metadata.worker)}`}` });
        break;
      case 'STEP_SKIPPED':
        bar(stage).update(event.metadata.status === 'CACHED' ? 100 : 0, { status: event.metadata.status.toLowerCase() });
        break;
      default:
        break;
    }
  };
  return {
    listener,
    usePlan: (plan) => {
      const axis = periodAxis(plan);
      periods = axis === undefined ? undefined : periodsBar(multi, axis);
    },
    stop: () => multi.stop(),
  };
}
