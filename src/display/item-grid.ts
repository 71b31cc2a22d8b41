import { escapeHtml, type Rendered } from './html';
import { FONT_MONO, MUTED, badgeHtml, sortStates, stateStyle } from './palette';

/**
 * The stage × item grid of a pipeline with per-item stages: a row per
 * per-item stage, a column per item, each cell coloured by the state of the
 * item's latest record of that stage (`SUCCEEDED`, `FAILED`, `RUNNING` while
 * a run works through it, `PENDING` when it has none), its id and error as a
 * tooltip, and a legend. At most `maxItems` columns are drawn, with a note of
 * how many there are. The text twin is one line per stage, one symbol per item.
 */

/** One cell: the item's state in a stage and why. */
export interface ItemGridCell {
  /** A stage status as the palette knows it. */
  readonly state: string;
  /** The error code or a note, for the tooltip. */
  readonly note?: string;
}

/** Options of {@link renderItemGrid}. */
export interface ItemGridOptions {
  /** Columns drawn at most. @default 120 */
  readonly maxItems?: number;
}

/** Cell size, px. */
const CELL_PX = 12;

/** The grid of `items` (ids in order) over `stages`; `cells[stage][item]`, a missing cell drawn pending. */
export function renderItemGrid(
  stages: readonly string[],
  items: readonly string[],
  cells: Readonly<Record<string, Readonly<Record<string, ItemGridCell>>>>,
  options: ItemGridOptions = {},
): Rendered {
  const max = options.maxItems ?? 120;
  const shown = items.slice(0, max);
  const cellOf = (stage: string, item: string): ItemGridCell => cells[stage]?.[item] ?? { state: 'PENDING' };
  const states = sortStates(new Set(stages.flatMap((stage) => shown.map((item) => cellOf(stage, item).state))));
  const rows = stages
    .map((stage) => {
      const squares = shown
        .map((item) => {
          const cell = cellOf(stage, item);
          const style = stateStyle(cell.state);
          const title = `${stage} · ${item}: ${style.label}${cell.note ? ` — ${cell.note}` : ''}`;
          return (
            `<span class="dagbook-item-cell" data-state="${escapeHtml(cell.state)}" title="${escapeHtml(title)}" ` +
            `style="display:inline-block;width:${CELL_PX}px;height:${CELL_PX}px;margin:1px;border-radius:2px;background:${style.fill};` +
            `border:1px ${style.dashed ? 'dashed' : 'solid'} ${style.stroke}"></span>`
          );
        })
        .join('');
      return `<tr><td style="font-family:${FONT_MONO};font-size:12px;padding:2px 8px 2px 0;white-space:nowrap;vertical-align:top">${escapeHtml(stage)}</td><td style="line-height:0">${squares}</td></tr>`;
    })
    .join('');
  const more = items.length > shown.length ? `<div style="color:${MUTED};font-size:12px">showing ${shown.length} of ${items.length} items</div>` : '';
  const legend = `<div style="margin-top:4px">${states.map((s) => badgeHtml(s)).join(' ')}</div>`;
  const html = `<table class="dagbook-item-grid" style="border-collapse:collapse">${rows}</table>${more}${legend}`;
  const width = Math.max(...stages.map((s) => s.length), 0);
  const text = [
    ...stages.map((stage) => `${stage.padEnd(width)}  ${shown.map((item) => stateStyle(cellOf(stage, item).state).symbol).join('')}`),
    ...(items.length > shown.length ? [`showing ${shown.length} of ${items.length} items`] : []),
  ].join('\n');
  return { html, text };
}
