import { alertsSummary, renderAlertList } from './alert-list';
import { formatDuration, formatIso, formatNumber, formatRelative, plural } from './format';
import { itemCountsText } from './item-counts';
import { groupItemFailures, itemGroupStep, renderItemFailures } from './item-failures';
import { escapeHtml, renderTable, type Rendered } from './html';
import { breakerKey, halfOpenAt, nextStep, type ErrorAnalysisInput } from './next-step';
import { badgeHtml, cardHtml, codeHtml, FONT_MONO, MUTED, richTextHtml, RULE, stateStyle } from './palette';
import { usageText } from './metrics-card';
import { orderStack } from './stack-frames';

export { nextStep, type ErrorAnalysisInput, type NextStep } from './next-step';

/**
 * Error analysis of a failed stage: the error code and class, the attempts
 * timeline, the (already redacted) message and stack (the user's own frames
 * first, see stack-frames.ts), the breaker and the budgets, and the next step
 * with the exact call to make. A per-item stage (partial, or failed for too
 * many failed items) also shows its item counts and its failed items grouped
 * by error code (item-failures.ts); the largest group's step is the next step.
 */

/** Lines of stack shown. */
const STACK_LINES = 15;

const CLASS_MEANING: Readonly<Record<string, string>> = {
  transient: 'temporary fault, retried',
  persistent: 'needs a fix to the input or config',
  resource: 'a limit was reached',
  logic: "a bug in the stage's code",
};

/** "attempt 2: failed after 5.0 s with STAGE_FAILED, waited 2.1 s". */
function attemptLine(a: ErrorAnalysisInput['record']['attemptLog'][number]): string {
  const outcome = a.outcome === 'succeeded' ? `succeeded after ${formatDuration(a.durationMs)}` : `failed after ${formatDuration(a.durationMs)}${a.code ? ` with ${a.code}` : ''}`;
  return `attempt ${a.attempt}: ${outcome}${a.delayMs === undefined ? '' : `, waited ${formatDuration(a.delayMs)}`}`;
}

/** Budget lines: "tokens: stage 420 / 500 (84%), run 420 / 5,000 (8%)". */
function budgetLines(input: ErrorAnalysisInput): string[] {
  const stageBudgets = input.plan.stages[input.stageId]?.budgets ?? {};
  const resources = [...new Set([...Object.keys(stageBudgets), ...Object.keys(input.plan.budgets), ...Object.keys(input.record.usage)])];
  return resources.map((r) => {
    const parts = [usageText('stage', input.record.usage[r] ?? 0, stageBudgets[r])];
    if (r in input.plan.budgets || r in input.runUsage) parts.push(usageText('run', input.runUsage[r] ?? 0, input.plan.budgets[r]?.limit));
    return `${r}: ${parts.join(', ')}`;
  });
}

/** Breaker line: "breaker `llm-api`: OPEN, 3 failures, half-opens at 2024-05-01T12:05:38Z (in 4 min)". */
function breakerLine(input: ErrorAnalysisInput): string | undefined {
  const at = halfOpenAt(input);
  if (!input.breaker && input.record.error?.code !== 'CIRCUIT_OPEN') return undefined;
  const key = breakerKey(input);
  const snap = input.breaker?.snapshot;
  const state = snap ? `${snap.state}, ${plural(snap.failures, 'failure')}` : 'OPEN';
  const open = snap ? snap.state === 'OPEN' : true;
  const when = open && at !== undefined ? `, ${at > input.now ? 'half-opens' : 'half-opened'} at ${formatIso(at)} (${formatRelative(at, input.now)})` : '';
  return `breaker \`${key}\`: ${state}${when}`;
}

/** The analysis of a failed stage, with the next step. */
export function renderErrorAnalysis(input: ErrorAnalysisInput): Rendered {
  const { record, stageId } = input;
  const error = record.error;
  const groups = groupItemFailures(input.itemRecords ?? []);
  const failures = groups.length === 0 ? undefined : renderItemFailures(input, groups);
  // An error of its own (a breaker, a budget) says more than its items' failures; ITEMS_FAILED only counts them.
  const step = failures !== undefined && (!error || error.code === 'ITEMS_FAILED') ? itemGroupStep(input, groups[0]) : nextStep(input);
  const items = record.items;
  const itemsFailed = items === undefined ? '' : `${formatNumber(items.failed)} of ${formatNumber(items.total)} ${items.total === 1 ? 'item' : 'items'} failed`;
  const head = error
    ? `stage \`${stageId}\` failed: ${error.code} (${error.errorClass}: ${CLASS_MEANING[error.errorClass] ?? error.errorClass})`
    : record.status === 'PARTIAL' && items !== undefined
      ? `stage \`${stageId}\` partial: ${itemsFailed}`
      : `stage \`${stageId}\`: ${stateStyle(record.status).label}${record.reason ? ` (${record.reason})` : ''}`;
  const attempts = record.attemptLog.map(attemptLine);
  const breaker = breakerLine(input);
  const budgets = budgetLines(input);
  const stack = error?.stack ? orderStack(error.stack) : undefined;
  const stackLines = stack ? [...stack.head, ...stack.user, ...stack.library] : [];
  const shownStack = stackLines.slice(0, STACK_LINES);
  const stageAlerts = (input.alerts ?? []).filter((a) => a.stageId === stageId);
  const alerts = stageAlerts.length === 0 ? undefined : { summary: alertsSummary(stageAlerts), list: renderAlertList(stageAlerts) };
  // Said only when dagbook's or Node's frames were moved after the user's.
  const yoursFirst = stack && stack.user.length > 0 && stack.library.length > 0 ? `; your ${plural(stack.user.length, 'frame')} first` : '';
  const stackTitle = `stack (${shownStack.length} of ${plural(stackLines.length, 'line')}${yoursFirst})`;

  const text = [
    head,
    ...(error ? [`message: ${error.message}`] : []),
    ...(items ? [`items: ${itemCountsText(items)}`] : []),
    `next step: ${step.advice}`,
    ...(step.call ? [`  ${step.call}`] : []),
    ...(failures ? ['', failures.text] : []),
    ...(attempts.length ? ['', 'attempts:', ...attempts.map((l) => `  ${l}`)] : []),
    ...(breaker ? ['', breaker] : []),
    ...(budgets.length ? ['', 'budgets:', ...budgets.map((l) => `  ${l}`)] : []),
    ...(alerts ? ['', `${alerts.summary}:`, alerts.list.text] : []),
    ...(shownStack.length
      ? ['', `${stackTitle}:`, ...shownStack.map((l) => `  ${l}`)]
      : []),
  ].join('\n');

  const section = (title: string, body: string) =>
    `<div style="margin-top:12px"><div style="font-size:11.5px;font-weight:600;color:${MUTED};text-transform:uppercase;letter-spacing:.03em;margin-bottom:3px">${escapeHtml(title)}</div>${body}</div>`;
  const attemptsGrid = renderTable(
    [{ title: '#', align: 'right' }, { title: 'outcome' }, { title: 'after', align: 'right' }, { title: 'code', mono: true }, { title: 'then waited', align: 'right' }],
    record.attemptLog.map((a) => [
      String(a.attempt),
      { text: a.outcome, html: badgeHtml(a.outcome === 'succeeded' ? 'SUCCEEDED' : 'FAILED', a.outcome) },
      formatDuration(a.durationMs),
      a.code ?? '',
      a.delayMs === undefined ? '' : formatDuration(a.delayMs),
    ]),
  );
  const stateBadge = error ? badgeHtml('FAILED') : badgeHtml(record.status);
  const html = cardHtml(
    `<div style="display:flex;align-items:center;gap:10px;flex-wrap:wrap">${stateBadge}` +
      `<span style="font-size:14px">Stage ${codeHtml(stageId)}${error ? ` failed with <b style="font-family:${FONT_MONO};color:#b91c1c">${escapeHtml(error.code)}</b>` : items !== undefined && record.status === 'PARTIAL' ? `: ${escapeHtml(itemsFailed)}` : ''}</span>` +
      (error ? `<span style="color:${MUTED}">${escapeHtml(error.errorClass)} — ${escapeHtml(CLASS_MEANING[error.errorClass] ?? '')}</span>` : '') +
      `</div>` +
      (error
        ? `<div style="margin-top:10px;padding:8px 10px;border-left:3px solid #dc2626;background:#fef2f2;border-radius:0 6px 6px 0;white-space:pre-wrap;word-break:break-word">${richTextHtml(error.message)}</div>`
        : '') +
      `<div style="margin-top:10px;padding:9px 12px;border:1px solid #bfdbfe;background:#eff6ff;border-radius:6px">` +
      `<div><b>Next step:</b> ${richTextHtml(step.advice)}</div>` +
      (step.call
        ? `<pre style="margin:6px 0 0;padding:6px 9px;background:#ffffff;border:1px solid #dbeafe;border-radius:4px;font-family:${FONT_MONO};font-size:12.5px;white-space:pre-wrap">${escapeHtml(step.call)}</pre>`
        : '') +
      `</div>` +
      (items ? `<div style="margin-top:8px;color:${MUTED}">items: ${escapeHtml(itemCountsText(items))}</div>` : '') +
      (failures ? section(`failed items by error code`, failures.html) : '') +
      (record.attemptLog.length ? section('attempts', attemptsGrid.html) : '') +
      (breaker ? section('circuit breaker', `<div>${richTextHtml(breaker.replace(/^breaker /, ''))}</div>`) : '') +
      (budgets.length ? section('budgets', budgets.map((l) => `<div>${escapeHtml(l)}</div>`).join('')) : '') +
      (alerts ? section(alerts.summary, alerts.list.html) : '') +
      (shownStack.length
        ? `<details style="margin-top:12px"><summary style="cursor:pointer;color:${MUTED};font-size:12px">${escapeHtml(stackTitle)}</summary>` +
          `<pre style="margin:6px 0 0;padding:8px 10px;max-height:260px;overflow:auto;background:#f8fafc;border:1px solid ${RULE};border-radius:4px;font-family:${FONT_MONO};font-size:11.5px;line-height:1.4">${escapeHtml(shownStack.join('\n'))}</pre></details>`
        : ''),
  );
  return { html, text };
}

