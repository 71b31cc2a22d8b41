import type { ServiceStanding } from '../service/service-list';
import { formatDuration, formatRelative } from './format';
import { renderTable, type Rendered } from './html';
import { cardHtml, MUTED, richTextHtml } from './palette';

/**
 * The services view: the services of a pipeline's service stages as their
 * state files tell (`service-list.ts`) — stage (and item), pid, status,
 * uptime, restarts and how the last process ended — and, for a failed one,
 * its error and last log lines. Below the status view.
 */

const STATUS_COLOR: Readonly<Record<string, string>> = { running: '#15803d', restarting: '#b45309', starting: '#b45309', failed: '#b91c1c', stopped: MUTED };

/** `services: 2 running, 1 failed`. */
export function servicesHeadline(services: readonly ServiceStanding[]): string {
  const counts = new Map<string, number>();
  for (const s of services) counts.set(s.status, (counts.get(s.status) ?? 0) + 1);
  return `services: ${[...counts.entries()].map(([status, n]) => `${n} ${status}`).join(', ')}`;
}

/** How a service's last process ended: `exited with code 3 (2 minutes ago)`. */
function lastExitText(s: ServiceStanding, now: number): string {
  return s.lastExit === undefined ? '' : `${s.lastExit.reason} (${formatRelative(s.lastExit.at, now)})`;
}

/** The services as a table under a headline, then (unless `withFailures` is false) each failed one's error and last lines; `now` dates uptimes and exits. */
export function renderServices(services: readonly ServiceStanding[], now: number, withFailures = true): Rendered {
  const head = servicesHeadline(services);
  const table = renderTable(
    [{ title: 'service', mono: true }, { title: 'stage' }, { title: 'pid', align: 'right' }, { title: 'status' }, { title: 'uptime' }, { title: 'restarts', align: 'right' }, { title: 'last exit' }],
    services.map((s) => [
      s.name,
      s.itemId === undefined ? s.stageId : `${s.stageId} (item ${s.itemId})`,
      s.pid === undefined ? '' : String(s.pid),
      {
        text: s.status === 'running' && !s.supervised ? 'running (unsupervised)' : s.status,
        html: `<span style="color:${STATUS_COLOR[s.status] ?? MUTED}">${s.status}${s.status === 'running' && !s.supervised ? ' (unsupervised)' : ''}</span>`,
      },
      s.uptimeMs === undefined ? '' : formatDuration(s.uptimeMs),
      String(s.restarts),
      lastExitText(s, now),
    ]),
  );
  const failures = withFailures ? failuresOf(services) : undefined;
  return {
    text: [head, '', table.text, ...(failures === undefined ? [] : ['', failures.text])].join('\n'),
    html: cardHtml(`<div style="margin-bottom:6px">${richTextHtml(head)}</div>${table.html}${failures?.html ?? ''}`),
  };
}

/**
 * The failed services among `services` — each one's error and last log
 * lines, as the error analysis lists them — or undefined when none failed.
 */
export function renderServiceFailures(services: readonly ServiceStanding[]): Rendered | undefined {
  const failures = failuresOf(services);
  if (failures === undefined) return undefined;
  const n = services.filter(isFailed).length;
  const head = `${n} failed ${n === 1 ? 'service' : 'services'}`;
  return { text: `${head}\n${failures.text}`, html: cardHtml(`<div style="font-size:14px">${richTextHtml(head)}</div>${failures.html}`) };
}

function isFailed(s: ServiceStanding): boolean {
  return s.status === 'failed' && s.error !== undefined;
}

/** Each failed service's error and last lines; undefined when none failed. */
function failuresOf(services: readonly ServiceStanding[]): Rendered | undefined {
  const failures = services.filter(isFailed);
  if (failures.length === 0) return undefined;
  return {
    text: failures.map((s) => `${s.name}: [${s.error!.code}] ${s.error!.message}${(s.lastLines ?? []).map((l) => `\n  | ${l}`).join('')}`).join('\n'),
    html: failures
      .map((s) => `<div class="service-failure" style="margin-top:6px"><b>${richTextHtml(s.name)}</b>: [${s.error!.code}] ${richTextHtml(s.error!.message)}<pre style="margin:4px 0;color:${MUTED}">${(s.lastLines ?? []).map((l) => richTextHtml(l)).join('\n')}</pre></div>`)
      .join(''),
  };
}
