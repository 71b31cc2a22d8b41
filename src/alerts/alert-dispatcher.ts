import type { Clock } from '../clock';
import { errorMessage, isDagbookError } from '../errors';
import type { Emit, PipelineEvent } from '../events/event';
import { alertPayload } from './alert-payload';
import type { AlertSink } from './alert-sink';

/**
 * Delivers every ALERT event of a run to each of the pipeline's sinks, off
 * the run's critical path: a delivery starts once the event's delivery to
 * the views is over and runs on its own; nothing the run does waits for it,
 * and a sink that fails becomes a LOG warning, never a failure of the run.
 * When the run ends, `drain` waits for the deliveries still in flight — at
 * most `drainMs`, then abandons them (and says so) — so that a CLI run does
 * not exit before its alerts are out.
 */

/** Options of an {@link AlertDispatcher}. */
export interface AlertDispatcherOptions {
  /** Pipeline name, part of every payload. */
  readonly pipeline: string;
  /** Where alerts go. */
  readonly sinks: readonly AlertSink[];
  /** The run's clock: the drain's bound waits on it. */
  readonly clock: Clock;
  /** The run's emitter, for delivery failures (LOG, level WARN). */
  readonly emit: Emit;
}

/** See the module comment. */
export class AlertDispatcher {
  private readonly inflight = new Set<Promise<void>>();
  private readonly abandon = new AbortController();
  private closed = false;

  constructor(private readonly options: AlertDispatcherOptions) {}

  /** Takes one run event; subscribe it to the run's events. */
  readonly observe = (event: PipelineEvent): void => {
    if (event.type !== 'ALERT' || this.closed) return;
    const payload = alertPayload(this.options.pipeline, event);
    for (const sink of this.options.sinks) {
      const delivery: Promise<void> = Promise.resolve()
        .then(() => sink.deliver(payload, this.abandon.signal))
        .catch((error: unknown) => {
          if (this.closed) return;
          this.options.emit('LOG', {
            ...(event.stageId === undefined ? {} : { stageId: event.stageId }),
            level: 'WARN',
            message: `The ${payload.level} alert on \`${payload.metric}\` was not delivered: ${errorMessage(error)}`,
            metadata: { sink: sink.name, code: isDagbookError(error) ? error.code : 'ALERT_DELIVERY_FAILED', alertSeq: event.seq },
          });
        })
        .finally(() => this.inflight.delete(delivery));
      this.inflight.add(delivery);
    }
  };

  /** Deliveries under way. */
  get pending(): number {
    return this.inflight.size;
  }

  /**
   * Waits for the deliveries in flight, at most `drainMs`; then abandons the
   * rest (aborting them) with one LOG warning naming how many. The dispatcher
   * takes no more alerts after it. Resolves with the number abandoned.
   */
  async drain(drainMs: number): Promise<number> {
    const timer = new AbortController();
    let timedOut = false;
    const bound = this.options.clock.sleep(drainMs, timer.signal).then(
      () => {
        timedOut = true;
      },
      () => undefined,
    );
    // Deliveries that fail while draining still report it; ones started by a failure's LOG cannot exist (LOG is no alert).
    while (this.inflight.size > 0 && !timedOut) await Promise.race([Promise.allSettled([...this.inflight]), bound]);
    timer.abort();
    const abandoned = this.inflight.size;
    if (abandoned > 0) {
      this.options.emit('LOG', {
        level: 'WARN',
        message: `${abandoned} alert deliver${abandoned === 1 ? 'y was' : 'ies were'} still under way ${drainMs} ms after the run ended and ${abandoned === 1 ? 'was' : 'were'} abandoned`,
        metadata: { abandoned, drainMs },
      });
    }
    this.closed = true;
    this.abandon.abort(new Error('abandoned at the end of the run'));
    return abandoned;
  }
}
