import type { AlertOptions, AlertSinkOptions, RetryOptions } from '../definition/types';
import type { AlertMetric } from '../events/event';
import { DEFAULT_ALERT_DRAIN_MS, DEFAULT_ALERT_THRESHOLDS, DEFAULT_COMMAND_TIMEOUT_MS, DEFAULT_WEBHOOK_RETRY, DEFAULT_WEBHOOK_TIMEOUT_MS } from './defaults';
import type { PlanAlertLevels, PlanAlerts, PlanAlertSink } from './plan';

/**
 * A pipeline's `alerts` as the plan keeps them: every threshold and sink
 * option filled in with its default, so the run and the views read one
 * fully populated object. A metric given only one level keeps the other's
 * default (`tokenUse: { warning: 0.5 }` still goes critical at 0.95).
 */

/** The resolved alerting of a pipeline (the defaults when `alerts` is absent). */
export function resolveAlerts(alerts: AlertOptions | undefined): PlanAlerts {
  const given = alerts?.thresholds ?? {};
  const thresholds = Object.fromEntries(
    (Object.keys(DEFAULT_ALERT_THRESHOLDS) as AlertMetric[]).map((metric): [AlertMetric, PlanAlertLevels] => [metric, { ...DEFAULT_ALERT_THRESHOLDS[metric], ...defined(given[metric] ?? {}) }]),
  ) as PlanAlerts['thresholds'];
  return {
    thresholds,
    sinks: (alerts?.sinks ?? []).map(resolveSink),
    drainMs: alerts?.drainMs ?? DEFAULT_ALERT_DRAIN_MS,
  };
}

/** The plan's alerting, or the defaults for a hand-built plan without one. */
export function planAlerts(plan: { readonly alerts?: PlanAlerts }): PlanAlerts {
  return plan.alerts ?? resolveAlerts(undefined);
}

function resolveSink(sink: AlertSinkOptions): PlanAlertSink {
  if (sink.kind === 'webhook') {
    const retry = { ...DEFAULT_WEBHOOK_RETRY, ...defined<RetryOptions>(sink.retry ?? {}) };
    return {
      kind: 'webhook',
      url: sink.url,
      headers: { ...(sink.headers ?? {}) },
      retry: { ...retry, retryOn: [...retry.retryOn], ...(retry.delaysMs === undefined ? {} : { delaysMs: [...retry.delaysMs] }) },
      timeoutMs: sink.timeoutMs ?? DEFAULT_WEBHOOK_TIMEOUT_MS,
    };
  }
  return { kind: 'command', command: sink.command, ...(sink.args === undefined ? {} : { args: [...sink.args] }), timeoutMs: sink.timeoutMs ?? DEFAULT_COMMAND_TIMEOUT_MS };
}

/** The fields of `o` that are set (an explicit `undefined` keeps the default). */
function defined<T extends object>(o: T): Partial<T> {
  return Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined)) as Partial<T>;
}
