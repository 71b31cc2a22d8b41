import type { Clock } from '../clock';
import type { AttemptRecord } from '../records';

/**
 * The attempts of one stage execution as they start and end: which attempt
 * is open (its context is live: progress and logs count), the last one
 * started, and the record of each ended attempt (with the queue worker
 * that ran it, when an executor said). An attempt that a gate
 * refused (budget, breaker) never starts and leaves no record.
 */
export class AttemptTimeline {
  /** Records of the ended attempts, in order. */
  readonly records: AttemptRecord[] = [];
  private open: { readonly attempt: number; readonly startedAt: number; readonly started: number; worker?: string } | undefined;
  private last: number;

  /**
   * @param firstAttempt - Number of the first attempt this execution may start.
   * @param onRecord - Told of each ended attempt's record.
   */
  constructor(
    private readonly clock: Clock,
    firstAttempt: number,
    private readonly onRecord: (record: AttemptRecord) => void = () => {},
  ) {
    this.last = firstAttempt - 1;
  }

  /** Number of the last attempt started (`firstAttempt - 1` before any). */
  get lastStarted(): number {
    return this.last;
  }

  /** Whether `attempt` is started and not ended. */
  isOpen(attempt: number): boolean {
    return this.open?.attempt === attempt;
  }

  /** Opens `attempt` (ending none: the previous one must have ended). */
  start(attempt: number): void {
    this.open = { attempt, startedAt: this.clock.now(), started: this.clock.monotonic() };
    this.last = attempt;
  }

  /** Notes the queue worker that ran `attempt`, while it is open (its record then names it). */
  ranOn(attempt: number, worker: string): void {
    if (this.open?.attempt === attempt) this.open.worker = worker;
  }

  /** Ends the open attempt with its outcome; returns its record, or undefined when none was open. */
  end(outcome: AttemptRecord['outcome'], extra: { readonly code?: string; readonly delayMs?: number } = {}): AttemptRecord | undefined {
    if (!this.open) return undefined;
    const record: AttemptRecord = {
      attempt: this.open.attempt,
      startedAt: this.open.startedAt,
      durationMs: this.clock.monotonic() - this.open.started,
      outcome,
      ...(extra.code === undefined ? {} : { code: extra.code }),
      ...(extra.delayMs === undefined ? {} : { delayMs: extra.delayMs }),
      ...(this.open.worker === undefined ? {} : { worker: this.open.worker }),
    };
    this.open = undefined;
    this.records.push(record);
    this.onRecord(record);
    return record;
  }
}
