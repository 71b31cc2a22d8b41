import type { DryRunResult } from '../query/dry-run';
import type { Plan } from '../plan/plan';
import { renderDagSvg } from './dag-svg';
import { formatDuration, plural } from './format';
import { renderTable, type Rendered } from './html';
import { badgeHtml, cardHtml, MUTED, richTextHtml, stateStyle } from './palette';

/**
 * The dry-run view: what a run would do with every stage and why, as a DAG
 * coloured by action and a table, with the expected duration.
 */

/** The header line of a dry run: "dry run of `name`: 5 of 13 stages would run, ~1.2 s estimated". */
export function dryRunHeadline(dry: DryRunResult): string {
  const head = `dry run of \`${dry.pipeline}\`: ${dry.toRun} of ${plural(dry.rows.length, 'stage')} would run`;
  if (dry.toRun === 0) return head;
  const running = dry.rows.filter((r) => r.action === 'run');
  const unknown = running.filter((r) => r.estimatedMs === undefined).length;
  if (unknown === running.length) return `${head}, duration unknown (no history)`;
  const estimate = `~${formatDuration(dry.estimatedMs)} estimated`;
  return unknown === 0 ? `${head}, ${estimate}` : `${head}, ${estimate} (${unknown} without history)`;
}

/** The dry run as a DAG coloured by action and a table: stage, action, reason, estimated duration. */
export function renderPlanView(plan: Plan, dry: DryRunResult): Rendered {
  const headline = dryRunHeadline(dry);
  const states: Record<string, string> = {};
  for (const row of dry.rows) states[row.stageId] = row.action;
  const grid = renderTable(
    [{ title: 'stage', mono: true }, { title: 'action' }, { title: 'reason', nowrap: false }, { title: 'estimate', align: 'right' }],
    dry.rows.map((row) => [
      row.stageId,
      { text: stateStyle(row.action).label, html: badgeHtml(row.action) },
      { text: withUntracked(row.reason, row.untracked), html: richTextHtml(withUntracked(row.reason, row.untracked)) },
      row.estimatedMs === undefined ? { text: '—', html: `<span style="color:${MUTED}">—</span>` } : formatDuration(row.estimatedMs),
    ]),
  );
  const html = cardHtml(
    `<div style="font-size:14px;margin-bottom:8px">${richTextHtml(headline.replace(/^dry run/, 'Dry run'))}</div>` +
      renderDagSvg(plan, states) +
      grid.html,
  );
  return { html, text: `${headline}\n\n${grid.text}` };
}

/** The reason, plus "not tracked: `factor`, `helper`" when the stage captures names its cache key does not track. */
function withUntracked(reason: string, untracked: readonly string[] | undefined): string {
  return untracked === undefined || untracked.length === 0 ? reason : `${reason}; not tracked: ${untracked.map((n) => `\`${n}\``).join(', ')}`;
}
