import { alertsSummary, renderAlertList } from './alert-list';
import type { Plan } from '../plan/plan';
import type { RunResult } from '../run/run-pipeline';
import type { StageMetrics } from '../run/run-metrics';
import { formatDuration, formatNumber, formatPercent, plural } from './format';
import { itemCountsText, partialHeadline } from './item-counts';
import { collapsedHtml, escapeHtml, renderTable, type Rendered, type TableCell, type TableColumn } from './html';
import { badgeHtml, cardHtml, codeHtml, MUTED, richTextHtml, sortStates, stateStyle } from './palette';
import { periodAxis } from './period-axis';
import { stageWorkerText } from './worker-text';
import { renderPeriodMetrics } from './period-metrics';

/**
 * The card shown when a run ends: its status, wall time against the sum of
 * stage times (how much ran in parallel), counts by state, cache hits,
 * budgets, and per stage: duration, attempts, retries with their delays,
 * usage against budgets, items (a per-item stage's: how many succeeded,
 * failed, were cached...), cache hit, validation failures, and the queue
 * worker that ran it (a per-item stage's: its items per worker). A partial run
 * says which stages' items failed (`PARTIAL: 1 of 250 items failed in
 * \`embed\``). A run
 * with periods also gets a row per period (period-metrics.ts) above the
 * stages, whose table the HTML then folds away.
 */

/** "tokens 420 / 500 (84%)", or "tokens 420" without a limit. */
export function usageText(resource: string, used: number, limit?: number): string {
  return limit === undefined
    ? `${resource} ${formatNumber(used)}`
    : `${resource} ${formatNumber(used)} / ${formatNumber(limit)} (${formatPercent(limit > 0 ? used / limit : 1)})`;
}

/** "2 retries: 1.0 s, 2.1 s", or "" without retries. */
export function retriesText(m: Pick<StageMetrics, 'retries' | 'retryDelaysMs'>): string {
  if (m.retries === 0) return '';
  const delays = m.retryDelaysMs.map(formatDuration).join(', ');
  return `${plural(m.retries, 'retry', 'retries')}${delays ? `: ${delays}` : ''}`;
}

/** Shortest time the ratio of stage time to wall time is worth giving for, ms: below it, timer noise is most of the figure. */
const MEASURABLE_MS = 1;

/** How much ran at once, "×2.4"; "—" when the run or its stages took less than a measurable time. */
export function parallelismText(wallMs: number, stageTimeMs: number): string {
  if (wallMs < MEASURABLE_MS || stageTimeMs < MEASURABLE_MS) return '—';
  return `×${(stageTimeMs / wallMs).toFixed(1)}`;
}

function usageColor(used: number, limit?: number): string {
  if (limit === undefined) return 'inherit';
  const r = limit > 0 ? used / limit : 1;
  return r >= 1 ? '#b91c1c' : r >= 0.8 ? '#b45309' : 'inherit';
}

/** A cell's text. */
function cellText(cell: string | TableCell): string {
  return typeof cell === 'string' ? cell : cell.text;
}

/** The end-of-run card. Usage, items and validation columns are shown only when a stage has some. */
export function renderMetricsCard(plan: Plan, result: RunResult): Rendered {
  const m = result.metrics;
  const planned = new Set(plan.order);
  const ids = [...plan.order.filter((id) => id in result.stages), ...Object.keys(result.stages).filter((id) => !planned.has(id))];
  const parallelism = parallelismText(m.durationMs, m.stageTimeMs);
  const counts = sortStates(Object.keys(m.counts)).map((s) => `${m.counts[s as keyof typeof m.counts]} ${stateStyle(s).label}`);
  const budgetLines: { r: string; used: number; limit?: number }[] = Object.entries(plan.budgets).map(([r, b]) => ({ r, used: m.usage[r] ?? 0, limit: b.limit }));
  for (const [r, used] of Object.entries(m.usage)) if (!(r in plan.budgets)) budgetLines.push({ r, used });

  const partial = result.status === 'PARTIAL' ? partialHeadline(ids.map((id) => result.stages[id])) : undefined;
  const head = partial !== undefined ? `run \`${result.runId}\` ${partial}` : `run \`${result.runId}\` ${stateStyle(result.status).label}${result.reason ? `: ${result.reason}` : ''}`;
  const reasonHtml = partial !== undefined ? ` — ${richTextHtml(partial.replace(/^PARTIAL: /, ''))}` : result.reason ? ` — ${richTextHtml(result.reason)}` : '';
  const times = `wall time ${formatDuration(m.durationMs)}, stage time ${formatDuration(m.stageTimeMs)} (parallelism ${parallelism})`;
  const stages = `stages: ${counts.join(', ')}; cache hits ${m.cacheHits} of ${ids.length}; ${plural(m.retries, 'retry', 'retries')}`;
  const budgets = budgetLines.length === 0 ? '' : `usage: ${budgetLines.map((b) => usageText(b.r, b.used, b.limit)).join(', ')}`;

  const rows = ids.map((id) => {
    const s = m.stages[id];
    const record = result.stages[id];
    const stageBudgets = plan.stages[id]?.budgets ?? {};
    const resources = [...new Set([...Object.keys(s.usage), ...Object.keys(stageBudgets)])];
    const usage = resources.map((r) => ({ r, used: s.usage[r] ?? 0, limit: stageBudgets[r] as number | undefined }));
    const executed = s.attempts > 0;
    const failedRules = record.validation.filter((v) => !v.passed).map((v) => v.rule);
    const validation = failedRules.length === 0 ? '' : `${failedRules.length} failed: ${failedRules.join(', ')}`;
    return [
      id,
      { text: stateStyle(s.status).label, html: badgeHtml(s.status) },
      executed ? formatDuration(s.durationMs) : '—',
      executed ? String(s.attempts) : '—',
      retriesText(s),
      {
        text: usage.map((u) => usageText(u.r, u.used, u.limit)).join(', '),
        html: usage.map((u) => `<span style="color:${usageColor(u.used, u.limit)}">${escapeHtml(usageText(u.r, u.used, u.limit))}</span>`).join(', '),
      },
      record.items ? itemCountsText(record.items) : s.progress ? `${formatNumber(s.progress.done)}/${formatNumber(s.progress.total)}` : '',
      s.cacheHit ? 'yes' : executed ? 'no' : '—',
      { text: validation, html: validation ? `<span style="color:#b45309">${escapeHtml(validation)}</span>` : '' },
      stageWorkerText(s),
    ];
  });
  const columns: TableColumn[] = [
    { title: 'stage', mono: true },
    { title: 'status' },
    { title: 'duration', align: 'right' },
    { title: 'attempts', align: 'right' },
    { title: 'retries' },
    { title: 'usage' },
    { title: 'items', align: 'right' },
    { title: 'cache hit' },
    { title: 'validation', nowrap: false },
    { title: 'worker', nowrap: false },
  ];
  // Usage, items, validation and worker only when a stage has some: most runs have none.
  const optional = new Set(['usage', 'items', 'validation', 'worker']);
  const kept = columns.map((c, i) => !optional.has(c.title) || rows.some((row) => cellText(row[i]) !== ''));
  const grid = renderTable(
    columns.filter((_, i) => kept[i]),
    rows.map((row) => row.filter((_, i) => kept[i])),
  );

  const alerts = result.alerts === undefined || result.alerts.length === 0 ? undefined : { summary: alertsSummary(result.alerts), list: renderAlertList(result.alerts) };
  const axis = periodAxis(plan);
  const periods = axis === undefined ? undefined : renderPeriodMetrics(axis, result);
  const stat = (label: string, value: string, sub = '') =>
    `<div style="min-width:96px"><div style="font-size:11px;color:${MUTED};text-transform:uppercase;letter-spacing:.03em">${escapeHtml(label)}</div>` +
    `<div style="font-size:17px;font-weight:600">${escapeHtml(value)}</div>${sub ? `<div style="font-size:11.5px;color:${MUTED}">${escapeHtml(sub)}</div>` : ''}</div>`;
  const html = cardHtml(
    `<div style="display:flex;align-items:center;gap:10px;margin-bottom:10px">${badgeHtml(result.status)}<span style="font-size:14px">Run ${codeHtml(result.runId)}${reasonHtml}</span></div>` +
      `<div style="display:flex;gap:22px;flex-wrap:wrap;margin-bottom:6px">` +
      stat('wall time', formatDuration(m.durationMs)) +
      stat('stage time', formatDuration(m.stageTimeMs), `parallelism ${parallelism}`) +
      stat('cache hits', `${m.cacheHits} of ${ids.length}`) +
      stat('retries', String(m.retries)) +
      budgetLines.map((b) => stat(b.r, formatNumber(b.used), b.limit === undefined ? 'no budget' : `of ${formatNumber(b.limit)} (${formatPercent(b.limit > 0 ? b.used / b.limit : 1)})`)).join('') +
      `</div>` +
      `<div style="display:flex;gap:6px;flex-wrap:wrap;margin:6px 0 2px">${sortStates(Object.keys(m.counts))
        .map((s) => badgeHtml(s, `${m.counts[s as keyof typeof m.counts]} ${stateStyle(s).label}`))
        .join('')}</div>` +
      (alerts ? `<div style="margin:8px 0"><div style="font-size:11px;color:${MUTED};text-transform:uppercase;letter-spacing:.03em">${escapeHtml(alerts.summary)}</div>${alerts.list.html}</div>` : '') +
      (periods === undefined ? grid.html : periods.html + collapsedHtml(`every stage (${ids.length})`, grid.html)),
  );
  const text = [head, times, stages, ...(budgets ? [budgets] : []), ...(alerts ? [`${alerts.summary}`, alerts.list.text] : []), ...(periods === undefined ? [] : ['', periods.text]), '', grid.text].join('\n');
  return { html, text };
}
