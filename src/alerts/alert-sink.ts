import type { Clock } from '../clock';
import type { PlanAlertSink } from '../plan/plan';
import type { RandomSource } from '../random';
import type { AlertPayload } from './alert-payload';
import { CommandSink } from './command-sink';
import { WebhookSink } from './webhook-sink';

/** Where alerts are delivered: one webhook, one command. */
export interface AlertSink {
  /** How messages name it: `webhook <url without its query>`, `command <command>`. */
  readonly name: string;
  /**
   * Delivers one alert; resolves once delivered.
   * @throws DagbookError `ALERT_DELIVERY_FAILED` naming the sink and what went wrong
   *   (and whatever `signal`'s reason is once it aborts)
   */
  deliver(payload: AlertPayload, signal: AbortSignal): Promise<void>;
}

/** The sink a plan describes, on the run's clock and random source. */
export function createAlertSink(sink: PlanAlertSink, clock: Clock, random: RandomSource): AlertSink {
  return sink.kind === 'webhook' ? new WebhookSink(sink, clock, random) : new CommandSink(sink, clock);
}
