import type { Clock } from '../clock';
import type { AlertLevel, AlertMetadata, AlertMetric, Emit, PipelineEvent } from '../events/event';
import type { ResourceUsage } from '../execute/budget';
import type { PlanAlerts } from '../plan/plan';
import { levelToRaise, thresholdOf } from './thresholds';

/**
 * Watches a run for alert thresholds and raises ALERT events through the
 * run's emitter, once per stage, metric and level (a global budget: once per
 * resource). What it watches, and from where:
 *
 * - `stageDuration`: from a stage's first STEP_START, the time it has run as
 *   a multiple of its expected duration. Two timers on the run's clock fire
 *   at the warning and critical multiples, so a stage that runs too long is
 *   reported while it still runs; its end checks again (a stage that held
 *   the event loop past a threshold fires no timer before it ends). A stage
 *   with no expected duration gets no duration alert.
 * - `retries`: STEP_RETRY, the retries decided so far (attempts after the first).
 * - `tokenUse`: every use recorded in the budget ledger (`observeUsage`, fed
 *   by the ledger itself, since the items of a per-item stage emit no
 *   RESOURCE_USAGE events), as a share of the stage's budget and of the run's.
 * - `itemFailureRate`: ITEMS_PROGRESS, failed items over the stage's items
 *   (the share its `maxFailureRate` is judged on).
 *
 * An alert is emitted a microtask after what caused it (the event's
 * delivery, the use's RESOURCE_USAGE event), so every view sees the cause
 * before the alert.
 */

/** Why a stage's duration timers stop: a reason of our own, as `abort()` without one builds a DOMException with a stack per stage. */
const STOPPED = 'stopped';

/** Options of an {@link AlertWatcher}. */
export interface AlertWatcherOptions {
  /** The thresholds by metric. */
  readonly thresholds: PlanAlerts['thresholds'];
  /** Expected duration by stage id, ms; a stage not listed gets no duration alert. */
  readonly expectedMs: Readonly<Record<string, number>>;
  /** The run's clock: duration timers sleep on it. */
  readonly clock: Clock;
  /** The run's emitter. */
  readonly emit: Emit;
}

/** An alert about to be raised. */
interface Raise {
  readonly stageId: string;
  readonly key: string;
  readonly metadata: AlertMetadata;
  readonly message: string;
}

/** See the module comment. */
export class AlertWatcher {
  private readonly raised = new Map<string, AlertLevel>();
  /** Stages running, from their first STEP_START; `timers` only for a stage with an expected duration. */
  private readonly running = new Map<string, { readonly startedAt: number; readonly timers?: AbortController }>();
  private readonly pending: Raise[] = [];
  private closed = false;

  constructor(private readonly options: AlertWatcherOptions) {}

  /** Takes one run event; subscribe it to the run's events. */
  readonly observe = (event: PipelineEvent): void => {
    if (this.closed || event.stageId === undefined) return;
    const stageId = event.stageId;
    switch (event.type) {
      case 'STEP_START':
        if (!this.running.has(stageId)) this.startTimers(stageId);
        break;
      case 'STEP_RETRY':
        this.check(stageId, 'retries', event.metadata.nextAttempt - 1, `retries:${stageId}`, {});
        break;
      case 'ITEMS_PROGRESS': {
        const { failed, total } = event.metadata;
        if (total > 0) this.check(stageId, 'itemFailureRate', failed / total, `itemFailureRate:${stageId}`, { failed, total });
        break;
      }
      case 'STEP_SUCCESS':
      case 'STEP_FAILURE':
        if (event.type === 'STEP_FAILURE' && !event.metadata.final) break;
        this.stageEnded(stageId, event.metadata.stageDurationMs);
        break;
      case 'CANCELLED':
        this.stageEnded(stageId, undefined);
        break;
      default:
        break;
    }
    if (this.pending.length > 0) queueMicrotask(() => this.flush());
  };

  /** Takes one use recorded in the run's budget ledger: the figures after it. */
  observeUsage(stageId: string, usage: ResourceUsage): void {
    if (this.closed) return;
    const { resource, stageUsed, stageLimit, globalUsed, globalLimit } = usage;
    if (stageLimit !== undefined && stageLimit > 0) {
      this.check(stageId, 'tokenUse', stageUsed / stageLimit, `tokenUse:stage:${stageId}:${resource}`, { resource, scope: 'stage', used: stageUsed, limit: stageLimit });
    }
    if (globalLimit !== undefined && globalLimit > 0) {
      this.check(stageId, 'tokenUse', globalUsed / globalLimit, `tokenUse:global:${resource}`, { resource, scope: 'global', used: globalUsed, limit: globalLimit });
    }
    // After the RESOURCE_USAGE event the use is recorded for: its cause first.
    if (this.pending.length > 0) queueMicrotask(() => this.flush());
  }

  /** Raises what is pending and stops every timer; the watcher takes nothing more. */
  close(): void {
    this.flush();
    this.closed = true;
    for (const { timers } of this.running.values()) timers?.abort(STOPPED);
    this.running.clear();
  }

  private startTimers(stageId: string): void {
    const startedAt = this.options.clock.monotonic();
    const expected = this.options.expectedMs[stageId];
    if (expected === undefined) {
      this.running.set(stageId, { startedAt });
      return;
    }
    const timers = new AbortController();
    this.running.set(stageId, { startedAt, timers });
    const levels = this.options.thresholds.stageDuration;
    const { clock } = this.options;
    const fireAt = async (level: AlertLevel): Promise<void> => {
      await clock.sleep(startedAt + thresholdOf(levels, level) * expected - clock.monotonic(), timers.signal);
      this.checkDuration(stageId, clock.monotonic() - startedAt);
      this.flush();
    };
    // An aborted timer (the stage ended, the run closed) has nothing to say.
    fireAt('WARNING')
      .then(() => fireAt('CRITICAL'))
      .catch(() => undefined);
  }

  private stageEnded(stageId: string, durationMs: number | undefined): void {
    const run = this.running.get(stageId);
    if (run === undefined) return;
    run.timers?.abort(STOPPED);
    this.running.delete(stageId);
    this.checkDuration(stageId, durationMs ?? this.options.clock.monotonic() - run.startedAt);
  }

  private checkDuration(stageId: string, elapsedMs: number): void {
    const expected = this.options.expectedMs[stageId];
    if (expected === undefined || expected <= 0) return;
    const key = `stageDuration:${stageId}`;
    const levels = this.options.thresholds.stageDuration;
    const level = levelToRaise(elapsedMs / expected, levels, this.raised.get(key));
    if (level === undefined) return;
    const factor = thresholdOf(levels, level);
    this.raise({
      stageId,
      key,
      metadata: { level, metric: 'stageDuration', value: elapsedMs, threshold: factor * expected, expectedMs: expected, factor },
      message: `Stage \`${stageId}\` has run ${Math.round(elapsedMs)} ms, ${factor}x its expected ${Math.round(expected)} ms (${level})`,
    });
  }

  private check(stageId: string, metric: Exclude<AlertMetric, 'stageDuration'>, value: number, key: string, details: Partial<AlertMetadata>): void {
    const levels = this.options.thresholds[metric];
    const level = levelToRaise(value, levels, this.raised.get(key));
    if (level === undefined) return;
    const threshold = thresholdOf(levels, level);
    this.raise({ stageId, key, metadata: { level, metric, value, threshold, ...details }, message: alertMessage(stageId, metric, value, threshold, level, details) });
  }

  private raise(alert: Raise): void {
    this.raised.set(alert.key, alert.metadata.level);
    this.pending.push(alert);
  }

  private flush(): void {
    if (this.closed) return;
    for (const alert of this.pending.splice(0)) {
      this.options.emit('ALERT', { stageId: alert.stageId, level: alert.metadata.level === 'CRITICAL' ? 'ERROR' : 'WARN', message: alert.message, metadata: alert.metadata });
    }
  }
}

function percent(ratio: number): string {
  return `${Math.round(ratio * 1000) / 10}%`;
}

/** One sentence on an alert other than a duration's. */
function alertMessage(stageId: string, metric: AlertMetric, value: number, threshold: number, level: AlertLevel, d: Partial<AlertMetadata>): string {
  switch (metric) {
    case 'retries':
      return `Stage \`${stageId}\` has retried ${value} time(s) (${level} at ${threshold})`;
    case 'tokenUse':
      return d.scope === 'global'
        ? `The run has used ${percent(value)} of its \`${d.resource}\` budget (${d.used} of ${d.limit}, last by \`${stageId}\`; ${level} at ${percent(threshold)})`
        : `Stage \`${stageId}\` has used ${percent(value)} of its \`${d.resource}\` budget (${d.used} of ${d.limit}; ${level} at ${percent(threshold)})`;
    default:
      return `${percent(value)} of the items of \`${stageId}\` failed (${d.failed} of ${d.total}; ${level} at ${percent(threshold)})`;
  }
}
