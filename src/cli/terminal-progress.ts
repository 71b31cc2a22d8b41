import { MultiBar, Presets, type SingleBar } from 'cli-progress';
import { formatDuration } from '../display/format';
import type { EventListener } from '../events/event';

/**
 * Terminal progress for `dagbook run`: one cli-progress bar per running stage
 * on a TTY. cli-progress prints nothing when stdout is not a TTY, so the CLI
 * falls back to event lines there.
 */
export function terminalProgress(stream: NodeJS.WriteStream): { listener: EventListener; stop(): void } {
  const multi = new MultiBar(
    { stream, format: ' {bar} {percentage}% | {stage} | {status}', hideCursor: true, clearOnComplete: false, autopadding: true },
    Presets.shades_classic,
  );
  const bars = new Map<string, SingleBar>();
  const bar = (stage: string) => {
    let b = bars.get(stage);
    if (!b) {
      b = multi.create(100, 0, { stage, status: 'starting' });
      bars.set(stage, b);
    }
    return b;
  };
  const listener: EventListener = (event) => {
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
      case 'STEP_SUCCESS':
        bar(stage).update(100, { status: 'succeeded' });
        break;
      case 'STEP_FAILURE':
        if (event.metadata.final) bar(stage).update({ status: `FAILED (${event.metadata.code})` });
        break;
      case 'STEP_SKIPPED':
        bar(stage).update(event.metadata.status === 'CACHED' ? 100 : 0, { status: event.metadata.status.toLowerCase() });
        break;
      default:
        break;
    }
  };
  return { listener, stop: () => multi.stop() };
}
