import type { QueueWorkers } from '../query/queue-workers';
import { formatRelative } from './format';
import { renderTable, type Rendered } from './html';
import { cardHtml, MUTED, richTextHtml } from './palette';

/**
 * The workers view: the queue workers of a `bullmq` queue as their
 * heartbeats tell (`worker-beat.ts`): name, host, jobs running, completed
 * and failed, the last heartbeat's age and whether the worker is alive or
 * stale (it stopped beating: killed, hung or cut off). For `dagbook
 * workers`, and below the status view of a pipeline whose stages run on a
 * queue. Redis being away is said in the view, not thrown.
 */

/** `workers on queue \`dagbook\` at redis://…: 2 alive, 1 stale`, `no workers …`, or why they could not be read. */
export function workersHeadline(read: QueueWorkers): string {
  const where = `queue \`${read.queue}\` at ${read.connection}`;
  if (read.workers === undefined) return `workers on ${where}: ${read.error ?? 'not read'}`;
  if (read.workers.length === 0) return `no workers on ${where}`;
  const alive = read.workers.filter((w) => w.alive).length;
  const stale = read.workers.length - alive;
  return `workers on ${where}: ${alive} alive${stale > 0 ? `, ${stale} stale` : ''}`;
}

/** The workers of a queue as a table under its headline; `now` dates the heartbeats (ms since epoch). */
export function renderWorkers(read: QueueWorkers, now: number): Rendered {
  const head = workersHeadline(read);
  const workers = read.workers ?? [];
  if (workers.length === 0) {
    return { text: head, html: cardHtml(`<div style="color:${MUTED}">${richTextHtml(head)}</div>`) };
  }
  const table = renderTable(
    [
      { title: 'worker', mono: true },
      { title: 'host' },
      { title: 'running', align: 'right' },
      { title: 'completed', align: 'right' },
      { title: 'failed', align: 'right' },
      { title: 'last heartbeat' },
      { title: 'state' },
    ],
    workers.map((w) => [
      w.name,
      w.host,
      `${w.running}/${w.concurrency}`,
      String(w.completed),
      String(w.failed),
      formatRelative(w.beatAt, now),
      { text: w.alive ? 'alive' : 'stale', html: w.alive ? 'alive' : `<span style="color:#b45309">stale</span>` },
    ]),
  );
  return { text: `${head}\n\n${table.text}`, html: cardHtml(`<div style="margin-bottom:6px">${richTextHtml(head)}</div>${table.html}`) };
}

/** The workers of several queues, one view under the other. */
export function renderQueueWorkers(reads: readonly QueueWorkers[], now: number): Rendered {
  const views = reads.map((read) => renderWorkers(read, now));
  return { text: views.map((v) => v.text).join('\n\n'), html: views.map((v) => v.html).join('') };
}

