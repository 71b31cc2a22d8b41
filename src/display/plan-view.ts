import type { DryRunResult } from '../query/dry-run';
import type { Plan } from '../plan/plan';
import { renderDagSvg } from './dag-svg';
import { dryRunItemIdsHtml, dryRunItemsText } from './dry-run-items';
import { environmentLine, environmentTag } from './environment-line';
import { formatDuration, plural } from './format';
import { collapsedHtml, renderTable, type Rendered } from './html';
import { badgeHtml, cardHtml, MUTED, richTextHtml, stateStyle } from './palette';
import { periodAxis } from './period-axis';
import { renderPeriodGrid, type GridCell } from './period-grid';
import { periodSummaryLine } from './period-summary';

/**
 * The dry-run view: what a run would do with every stage and why, as a DAG
 * coloured by action and a table, with the expected duration. A pipeline
 * with periods gets a stage × period grid instead of the DAG, a line saying
 * per period what would run and why, and the table folded away; its text is
 * the headline, that line and the grid. A per-item stage's row counts its
 * items (new, changed, deleted, unchanged, failed last time, and how many
 * would run), and the HTML lists their ids by kind, folded away; a discovery
 * stage's row, the items it found.
 */

/** The header line of a dry run: "dry run of `name`: 5 of 13 stages would run, ~1.2 s estimated". */
export function dryRunHeadline(dry: DryRunResult): string {
  const head = `dry run of \`${dry.pipeline}\`${environmentTag(dry.environment?.name)}: ${dry.toRun} of ${plural(dry.rows.length, 'stage')} would run`;
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
  const withItems = dry.rows.some((row) => row.items !== undefined || row.discovered !== undefined);
  const grid = renderTable(
    [
      { title: 'stage', mono: true },
      { title: 'action' },
      { title: 'reason', nowrap: false },
      ...(withItems ? [{ title: 'items', nowrap: false }] : []),
      { title: 'estimate', align: 'right' as const },
    ],
    dry.rows.map((row) => [
      row.stageId,
      { text: stateStyle(row.action).label, html: badgeHtml(row.action) },
      { text: withUntracked(row.reason, row.untracked), html: richTextHtml(withUntracked(row.reason, row.untracked)) },
      ...(withItems ? [row.items !== undefined ? dryRunItemsText(row.items) : row.discovered !== undefined ? plural(row.discovered, 'item') + ' found' : ''] : []),
      row.estimatedMs === undefined ? { text: '—', html: `<span style="color:${MUTED}">—</span>` } : formatDuration(row.estimatedMs),
    ]),
  );
  const itemIds = dry.rows.map((row) => (row.items === undefined ? '' : dryRunItemIdsHtml(row.stageId, row.items))).join('');
  const envLine = dry.environment === undefined ? undefined : environmentLine(dry.environment);
  const envHtml = envLine === undefined ? '' : `<div style="margin-bottom:6px">${richTextHtml(envLine)}</div>`;
  const title = `<div style="font-size:14px;margin-bottom:8px">${richTextHtml(headline.replace(/^dry run/, 'Dry run'))}</div>${envHtml}`;
  const head = envLine === undefined ? headline : `${headline}\n${envLine}`;
  const axis = periodAxis(plan);
  if (axis !== undefined) {
    const cells: Record<string, GridCell> = {};
    for (const row of dry.rows) cells[row.stageId] = { state: row.action, note: withUntracked(row.reason, row.untracked) };
    const periods = renderPeriodGrid(axis, cells);
    const summary = periodSummaryLine(axis, dry.rows.map((r) => ({ stageId: r.stageId, state: r.action, reason: r.reason })), new Set(['run']));
    const summaryHtml = summary === '' ? '' : `<div style="margin-bottom:4px">${richTextHtml(summary)}</div>`;
    const html = cardHtml(title + summaryHtml + periods.html + collapsedHtml(`every stage (${dry.rows.length})`, grid.html) + itemIds);
    return { html, text: [head, ...(summary === '' ? [] : [summary]), '', periods.text].join('\n') };
  }
  const html = cardHtml(title + renderDagSvg(plan, states) + grid.html + itemIds);
  return { html, text: `${head}\n\n${grid.text}` };
}

/** The reason, plus "not tracked: `factor`, `helper`" when the stage captures names its cache key does not track. */
function withUntracked(reason: string, untracked: readonly string[] | undefined): string {
  return untracked === undefined || untracked.length === 0 ? reason : `${reason}; not tracked: ${untracked.map((n) => `\`${n}\``).join(', ')}`;
}
