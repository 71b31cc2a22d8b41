import * as fs from 'node:fs';
import { renderDagSvg } from '../display/dag-svg';
import { formatNumber, plural } from '../display/format';
import { sortStates, stateStyle } from '../display/palette';
import type { StageStanding } from '../query/status';
import type { Workbench } from '../notebook/workbench';

/**
 * `dagbook graph`: the DAG as SVG, each stage coloured by where it stands
 * (the status query): up to date, stale, failed or never run, with a legend
 * of those standings. Written to a file, it says what it wrote.
 */

/**
 * The state a stage is drawn in: `skip` (up to date), `STALE`, `FAILED` or
 * `NEVER_RUN` (the palette's names, so the legend reads the same words).
 */
export function standingState(row: StageStanding): string {
  if (row.status === 'NEVER_RUN') return 'NEVER_RUN';
  if (!row.stale) return 'skip';
  return row.status === 'FAILED' ? 'FAILED' : 'STALE';
}

/** "5 stages — 2 up to date, 3 never run". */
export function standingSummary(states: readonly string[]): string {
  const counts = new Map<string, number>();
  for (const s of states) counts.set(s, (counts.get(s) ?? 0) + 1);
  return `${plural(states.length, 'stage')} — ${sortStates(counts.keys()).map((s) => `${counts.get(s)} ${stateStyle(s).label}`).join(', ')}`;
}

/**
 * Draws the workbench's pipeline as SVG coloured by standing; writes it to
 * `outPath` and returns the line saying so, or returns the SVG itself.
 */
export async function graphCommand(wb: Workbench, outPath: string | undefined): Promise<string> {
  const plan = wb.compiled().plan;
  const rows = await wb.status();
  const states = Object.fromEntries(rows.map((row) => [row.stageId, standingState(row)]));
  const svg = renderDagSvg(plan, states, { title: plan.name });
  if (outPath === undefined) return svg;
  fs.writeFileSync(outPath, svg);
  return `Wrote ${outPath} (${formatNumber(Buffer.byteLength(svg))} bytes): ${standingSummary(plan.order.map((id) => states[id]))}`;
}
