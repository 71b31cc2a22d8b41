import type { Emit } from '../events/event';
import type { ServiceEvent } from '../service/supervised-service';
import type { ServiceEventSource, ServiceSupervisor } from '../service/supervisor';

/**
 * A service's troubles after its stage succeeded, as ALERT events of the
 * run going on: while a run lasts, what the supervisor tells of the services
 * of the run's pipeline (its state folder) becomes an alert in the run's
 * stream, so the views, `dagbook events`, the event stream and the alert
 * sinks see it as they see a stage's. A service that exited and is being
 * restarted raises a WARNING (`serviceRestarts`); one whose restart policy
 * gave up raises a CRITICAL (`serviceFailed`) with its last log lines. A
 * service that never became ready is not an alert: its stage fails with
 * `SERVICE_NOT_READY`. Once the run has ended the service's state file
 * tells the same (status, `wb.errors()`, the dashboard).
 */

/** Raises the alerts of the services under `pipelineDir` through `emit` until the returned function is called. */
export function watchServiceAlerts(supervisor: ServiceSupervisor, pipelineDir: string | undefined, emit: Emit): () => void {
  if (pipelineDir === undefined) return () => undefined;
  return supervisor.listen((event, source) => {
    if (source.place.pipelineDir !== pipelineDir) return;
    raise(event, source, emit);
  });
}

function raise(event: ServiceEvent, { place, spec, state }: ServiceEventSource, emit: Emit): void {
  const who = place.itemId === undefined ? `of \`${place.stageId}\`` : `of item \`${place.itemId}\` of \`${place.stageId}\``;
  const common = { service: place.name, ...(place.itemId === undefined ? {} : { itemId: place.itemId }), threshold: spec.restart.maxRestarts };
  const correlationId = `service/${place.name}`;
  if (event.kind === 'restarting') {
    const reason = state.lastExit?.reason ?? 'exited';
    emit('ALERT', {
      stageId: place.stageId,
      correlationId,
      level: 'WARN',
      message: `Service \`${place.name}\` ${who} ${reason}; restarting it in ${event.delayMs} ms (restart ${event.restarts}, at most ${spec.restart.maxRestarts} within ${spec.restart.windowMs} ms)`,
      metadata: { level: 'WARNING', metric: 'serviceRestarts', value: event.restarts, ...common, reason },
    });
  } else if (event.kind === 'failed' && state.error?.code === 'SERVICE_FAILED') {
    emit('ALERT', {
      stageId: place.stageId,
      correlationId,
      level: 'ERROR',
      message: `${event.message}; it is FAILED and will not be restarted`,
      metadata: {
        level: 'CRITICAL',
        metric: 'serviceFailed',
        value: state.restarts,
        ...common,
        ...(state.lastExit === undefined ? {} : { reason: state.lastExit.reason }),
        lastLines: state.lastLines ?? [],
      },
    });
  }
}
