import type { Clock } from '../clock';
import { errorMessage } from '../errors';
import type { Emit } from '../events/event';
import { idempotencyKey } from '../execute/idempotency';
import type { Plan } from '../plan/plan';
import type { CacheEntry, StageRecord, StageStatus } from '../records';
import type { RunStore } from '../store/run-store';

/**
 * A run's stage records and the order of its store writes. Every stage
 * transition is checkpointed after the writes queued before it, so the store
 * never holds a later state under an earlier one; writes issued from
 * callbacks (attempts, breaker changes) are queued rather than awaited.
 */

/** Where a run's checkpoints go. */
export interface RunCheckpointsContext {
  /** Where stage records go. */
  readonly store: RunStore;
  /** The run being recorded. */
  readonly runId: string;
  /** The run's plan (stage params for idempotency keys). */
  readonly plan: Plan;
  /** Stamps settled records. */
  readonly clock: Clock;
  /** Emits STEP_SKIPPED / CANCELLED for settled stages and LOG for failed queued writes. */
  readonly emit: Emit;
}

/** One run's stage records and write queue; lives only as long as the run. */
export class RunCheckpoints {
  /** The latest record of every stage this run has recorded (kept ones included). */
  readonly records: Record<string, StageRecord> = {};
  private writes: Promise<void> = Promise.resolve();

  constructor(private readonly ctx: RunCheckpointsContext) {}

  /** Takes over records that need no new write (a resumed run's completed stages). */
  keep(records: Readonly<Record<string, StageRecord>>): void {
    Object.assign(this.records, records);
  }

  /** Records a stage that does not run (cached, skipped, blocked, cancelled) and emits STEP_SKIPPED or CANCELLED. */
  async settle(id: string, status: StageStatus, reason: string, extra: Partial<StageRecord> = {}): Promise<void> {
    const stage = this.ctx.plan.stages[id];
    const now = this.ctx.clock.now();
    const record: StageRecord = {
      stageId: id,
      status,
      attempts: 0,
      idempotencyKey: idempotencyKey(this.ctx.runId, stage),
      reason,
      startedAt: now,
      endedAt: now,
      durationMs: 0,
      usage: {},
      validation: [],
      attemptLog: [],
      ...extra,
    };
    if (status === 'CANCELLED') {
      this.ctx.emit('CANCELLED', { stageId: id, level: 'WARN', message: `Stage \`${id}\` ${reason}`, metadata: { reason } });
    } else {
      this.ctx.emit('STEP_SKIPPED', {
        stageId: id,
        level: status === 'BLOCKED' ? 'WARN' : 'INFO',
        message: `Stage \`${id}\` ${status === 'CACHED' ? 'restored from cache' : status === 'BLOCKED' ? 'blocked' : 'skipped'}: ${reason}`,
        metadata: { reason, status: status as 'SKIPPED' | 'CACHED' | 'BLOCKED' },
      });
    }
    await this.checkpoint(record);
  }

  /** Records a stage's new state and saves it once the queued writes are done. */
  async checkpoint(record: StageRecord): Promise<void> {
    this.records[record.stageId] = record;
    await this.writes;
    await this.ctx.store.saveStage(this.ctx.runId, record);
  }

  /**
   * Records a stage's success and saves it with its cache entry once the
   * queued writes are done. Both writes are issued in the same tick, so a
   * durable store makes them durable with one fsync.
   */
  async checkpointSuccess(record: StageRecord, entry: CacheEntry): Promise<void> {
    this.records[record.stageId] = record;
    await this.writes;
    // One store write: the success record and its cache entry are durable together or not at all.
    await this.ctx.store.saveStage(this.ctx.runId, record, entry);
  }

  /** Queues a store write that must not be awaited inline (callbacks); writes stay in order, a failure is logged as an event. */
  persist(write: () => Promise<void>): void {
    this.writes = this.writes.then(write).catch((error) => {
      this.ctx.emit('LOG', { level: 'ERROR', message: `A state write failed: ${errorMessage(error)}`, metadata: {} });
    });
  }

  /** Settles when every write queued so far is done (it never rejects). */
  flushed(): Promise<void> {
    return this.writes;
  }
}
