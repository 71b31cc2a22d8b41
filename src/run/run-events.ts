import type { Clock } from '../clock';
import type { EventBus } from '../events/event-bus';
import type { Emit, EventDraft, EventType, PipelineEvent } from '../events/event';

/**
 * The run's event factory: stamps each draft with the time, the run id, a
 * sequence number and a correlation id, then hands it to the bus (views) and
 * to the store's event log.
 */
export function createRunEmitter(runId: string, clock: Clock, bus: EventBus, append: (event: PipelineEvent) => void, firstSeq = 1): Emit {
  let seq = firstSeq - 1;
  return <T extends EventType>(type: T, draft: EventDraft<T>): void => {
    seq++;
    const event = {
      timestamp: new Date(clock.now()).toISOString(),
      runId,
      ...(draft.stageId === undefined ? {} : { stageId: draft.stageId }),
      type,
      level: draft.level ?? 'INFO',
      message: draft.message,
      metadata: draft.metadata,
      correlationId: draft.correlationId ?? (draft.stageId === undefined ? runId : `${runId}/${draft.stageId}`),
      seq,
    } as PipelineEvent;
    append(event);
    bus.emit(event);
  };
}

/** A run id: `run_YYYYMMDD_HHMMSS_xxxx`, sortable by start time. */
export function newRunId(nowMs: number, random: () => number): string {
  const iso = new Date(nowMs).toISOString();
  const stamp = `${iso.slice(0, 10).replace(/-/g, '')}_${iso.slice(11, 19).replace(/:/g, '')}`;
  const suffix = Math.floor(random() * 36 ** 4)
    .toString(36)
    .padStart(4, '0');
  return `run_${stamp}_${suffix}`;
}
