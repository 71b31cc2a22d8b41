import type { Plan } from '../plan/plan';
import type { RunFolder } from '../query/run-folder';
import { renderErrorAnalysis } from './error-analysis';
import { formatDuration, formatNumber, formatPercent } from './format';
import type { NextStepTarget } from './next-step';

/**
 * The markdown report of an exported run folder (`reports/report.md`): the
 * run's headline (status, times, version), a table of its stages (status,
 * attempts, duration, cache key, output), each failed or partial stage's
 * error analysis as the views give it (attempts, error, stack, budgets and
 * the next step), and the usage of every resource against its budgets, the
 * run's and each stage's.
 */

/** What the report needs besides the folder. */
export interface RunReportOptions {
  /** Now, ms since epoch: the time a breaker's countdown is drawn at. */
  readonly now: number;
  /** Where the next step of an error analysis is taken. @default a notebook */
  readonly target?: NextStepTarget;
}

/** The report, as markdown text. */
export function renderRunReport(plan: Plan, folder: RunFolder, options: RunReportOptions): string {
  const { meta, state } = folder;
  const lines: string[] = [
    `# Run \`${meta.run_id}\` of \`${meta.pipeline}\`: ${meta.status}`,
    '',
    `- Started: ${meta.start_time}`,
    `- Ended: ${meta.end_time ?? 'not yet (still running, or interrupted)'}`,
    ...(meta.duration_ms === null ? [] : [`- Duration: ${formatDuration(meta.duration_ms)}`]),
    ...(meta.environment === undefined ? [] : [`- Environment: ${meta.environment}`]),
    ...(meta.reason === undefined ? [] : [`- Reason: ${meta.reason}`]),
    `- dagbook ${meta.dagbook_version}`,
    '',
    '## Stages',
    '',
    table(
      ['stage', 'status', 'attempts', 'duration', 'cache key', 'output'],
      Object.values(state.steps).map((s) => [
        `\`${s.step_name}\``,
        s.status,
        String(s.attempt_count),
        s.duration_ms === null ? '—' : formatDuration(s.duration_ms),
        s.cache_key === null ? '—' : `\`${s.cache_key.slice(0, 12)}\``,
        s.outputs.length === 0 ? '—' : s.outputs.map((f) => `[${f}](../${f})`).join(', '),
      ]),
    ),
    '',
    '## Failures',
    '',
  ];
  if (folder.failures.length === 0) lines.push('No stage failed.', '');
  for (const failure of folder.failures) {
    const analysis = renderErrorAnalysis({
      plan,
      stageId: failure.stageId,
      record: failure.record,
      ...(failure.breaker ? { breaker: failure.breaker } : {}),
      runUsage: folder.run.usage,
      now: options.now,
      ...(options.target ? { target: options.target } : {}),
      ...(failure.itemRecords ? { itemRecords: failure.itemRecords } : {}),
    });
    lines.push(`### \`${failure.stageId}\``, '', '```text', analysis.text, '```', '');
  }
  lines.push('## Usage and budgets', '');
  const usage = usageRows(plan, folder);
  lines.push(usage.length === 0 ? 'No resource was used and no budget is set.' : table(['scope', 'resource', 'used', 'budget', 'share'], usage), '');
  return lines.join('\n');
}

/** A row per resource of the run (used or budgeted), then per stage with a budget or a use. */
function usageRows(plan: Plan, folder: RunFolder): string[][] {
  const rows: string[][] = [];
  const runResources = [...new Set([...Object.keys(plan.budgets), ...Object.keys(folder.run.usage)])].sort();
  for (const resource of runResources) rows.push(usageRow('run', resource, folder.run.usage[resource] ?? 0, plan.budgets[resource]?.limit));
  for (const step of Object.values(folder.state.steps)) {
    const budgets = plan.stages[step.step_name]?.budgets ?? {};
    const resources = [...new Set([...Object.keys(budgets), ...Object.keys(step.usage)])].sort();
    for (const resource of resources) rows.push(usageRow(`\`${step.step_name}\``, resource, step.usage[resource] ?? 0, budgets[resource]));
  }
  return rows;
}

function usageRow(scope: string, resource: string, used: number, limit: number | undefined): string[] {
  return [scope, resource, formatNumber(used), limit === undefined ? '—' : formatNumber(limit), limit === undefined ? '—' : formatPercent(limit > 0 ? used / limit : 1)];
}

/** A markdown table; `|` in a cell is escaped. */
function table(head: readonly string[], rows: readonly (readonly string[])[]): string {
  const cell = (text: string) => text.replace(/\|/g, '\\|').replace(/\n/g, ' ');
  return [`| ${head.join(' | ')} |`, `|${head.map(() => '---').join('|')}|`, ...rows.map((r) => `| ${r.map(cell).join(' | ')} |`)].join('\n');
}
