import { formatNumber } from './format';

/**
 * What the views say about the queue workers that ran a stage or its items
 * (`bullmq` executor): `on worker host-a:123` for a stage, and for a per-item
 * stage its items per worker, most first (`worker host-a:123 — 104 items,
 * worker host-b:456 — 96 items`). A stage that ran in this process has no
 * worker and gets no words.
 */

/** `on worker host-a:123`. */
export function ranOnText(worker: string): string {
  return `on worker ${worker}`;
}

/** `worker host-a:123 — 104 items, worker host-b:456 — 96 items`: most items first, then by name; empty when none. */
export function workerCountsText(workers: Readonly<Record<string, number>>): string {
  return Object.entries(workers)
    .sort((a, b) => b[1] - a[1] || (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0))
    .map(([name, n]) => `worker ${name} — ${n === 1 ? '1 item' : `${formatNumber(n)} items`}`)
    .join(', ');
}

/** What a stage's row says of where it ran: its items per worker, else its worker, else empty. */
export function stageWorkerText(stage: { readonly worker?: string; readonly workers?: Readonly<Record<string, number>> }): string {
  if (stage.workers !== undefined && Object.keys(stage.workers).length > 0) return workerCountsText(stage.workers);
  return stage.worker === undefined ? '' : stage.worker;
}
