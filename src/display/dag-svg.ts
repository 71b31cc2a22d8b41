import type { Plan } from '../plan/plan';
import { layoutDag, type EdgeSelection, type LayoutPoint, type LayoutSizes } from './dag-layout';
import { plural } from './format';
import { escapeHtml } from './html';
import { FONT_MONO, FONT_SANS, INK, MUTED, sortStates, stateStyle } from './palette';

/**
 * The plan's DAG as a self-contained inline SVG: stages as rounded boxes
 * coloured by state and wide enough for their whole id, edges as curves with
 * arrowheads, left to right, a note of the edges left out because a longer
 * path implies them, and a legend of the states shown. Positions come from
 * dagre (see dag-layout.ts). Large plans get smaller boxes and the picture is
 * scaled down (never below 30%), so 200 stages stay a picture rather than a
 * wall.
 */

/** Options of {@link renderDagSvg}. */
export interface DagSvgOptions {
  /** Heading drawn above the graph. @default none */
  readonly title?: string;
  /** `reduced` hides edges implied by a longer path (and says how many); `all` draws every dep. @default 'reduced' */
  readonly edges?: EdgeSelection;
}

/** Widest the picture is drawn, px, before it is scaled down. */
const MAX_WIDTH = 1100;
/** Tallest the picture is drawn, px, before it is scaled down. */
const MAX_HEIGHT = 900;
/** Smallest scale. */
const MIN_SCALE = 0.3;
const PAD = 14;
const EDGE = '#a8b3c4';

const NORMAL: LayoutSizes = { nodeHeight: 30, fontSize: 11.5, paddingX: 10, minNodeWidth: 64, rankGap: 46, nodeGap: 12, edgeGap: 6 };
const DENSE: LayoutSizes = { nodeHeight: 20, fontSize: 10, paddingX: 6, minNodeWidth: 40, rankGap: 34, nodeGap: 6, edgeGap: 3 };

/**
 * An SVG picture of the plan's DAG with each stage filled by its state in
 * `states` (a dry-run action such as `run`, or a stage status such as
 * `SUCCEEDED`; stages without one are drawn as `PENDING`).
 */
export function renderDagSvg(plan: Plan, states: Readonly<Record<string, string>>, options: DagSvgOptions = {}): string {
  const sizes = plan.order.length > 60 ? DENSE : NORMAL;
  const layout = layoutDag(plan, sizes, { edges: options.edges ?? 'reduced' });
  const stateOf = (id: string) => states[id] ?? 'PENDING';
  const titleHeight = options.title ? 24 : 0;
  const hidden = layout.hiddenEdges.length;
  const noteHeight = hidden > 0 ? 20 : 0;
  const legend = legendSvg(plan.order.map(stateOf), Math.max(layout.width, 360));
  const width = Math.max(layout.width, legend.width) + 2 * PAD;
  const graphTop = PAD + titleHeight;
  const noteTop = graphTop + layout.height + 16;
  const height = noteTop + noteHeight + legend.height + PAD;

  const edges = layout.edges
    .map((e) => {
      const end = e.points[e.points.length - 1];
      const title = `<title>${escapeHtml(`${e.from} → ${e.to}`)}</title>`;
      const arrow = `M${fmt(end.x - 7)},${fmt(end.y - 3.5)} L${fmt(end.x)},${fmt(end.y)} L${fmt(end.x - 7)},${fmt(end.y + 3.5)} Z`;
      return `<g>${title}<path d="${edgePath(e.points)}" fill="none" stroke="${EDGE}" stroke-width="1.3"/><path d="${arrow}" fill="${EDGE}"/></g>`;
    })
    .join('');
  const nodes = layout.nodes
    .map((n) => {
      const state = stateOf(n.id);
      const s = stateStyle(state);
      const dash = s.dashed ? ' stroke-dasharray="4 3"' : '';
      const cx = n.x + n.width / 2;
      const cy = n.y + n.height / 2;
      return (
        `<g class="dagbook-node" data-stage="${escapeHtml(n.id)}" data-state="${escapeHtml(state)}">` +
        `<title>${escapeHtml(`${n.id} — ${s.label}`)}</title>` +
        `<rect x="${fmt(n.x)}" y="${fmt(n.y)}" width="${fmt(n.width)}" height="${fmt(n.height)}" rx="6" fill="${s.fill}" stroke="${s.stroke}" stroke-width="1.3"${dash}/>` +
        `<text x="${fmt(cx)}" y="${fmt(cy)}" dy="0.35em" text-anchor="middle" font-family="${FONT_MONO}" font-size="${sizes.fontSize}" fill="${s.ink}">${escapeHtml(n.id)}</text>` +
        `</g>`
      );
    })
    .join('');
  const scale = Math.max(MIN_SCALE, Math.min(1, MAX_WIDTH / width, MAX_HEIGHT / height));
  const title = options.title
    ? `<text x="${PAD}" y="${PAD + 12}" font-family="${FONT_SANS}" font-size="13" font-weight="600" fill="${INK}">${escapeHtml(options.title)}</text>`
    : '';
  const note =
    hidden > 0
      ? `<text class="dagbook-dag-note" x="${PAD}" y="${fmt(noteTop + 6)}" dy="0.35em" font-family="${FONT_SANS}" font-size="11.5" fill="${MUTED}">${escapeHtml(hiddenEdgesNote(hidden))}</text>`
      : '';
  const label = `DAG of ${plan.name}: ${plan.order.length} stages`;
  return (
    `<svg xmlns="http://www.w3.org/2000/svg" class="dagbook-dag" role="img" aria-label="${escapeHtml(label)}" viewBox="0 0 ${fmt(width)} ${fmt(height)}" width="${fmt(width * scale)}" height="${fmt(height * scale)}" style="max-width:100%;height:auto;display:block">` +
    title +
    `<g transform="translate(${PAD},${graphTop})">${edges}${nodes}</g>` +
    note +
    `<g transform="translate(${PAD},${fmt(noteTop + noteHeight)})">${legend.svg}</g>` +
    `</svg>`
  );
}

/** `7 implied edges hidden (each follows from a longer path)`. */
export function hiddenEdgesNote(count: number): string {
  return `${plural(count, 'implied edge')} hidden (each follows from a longer path)`;
}

/** Curves with horizontal tangents through the points; the last one stops short for the arrowhead. */
function edgePath(points: readonly LayoutPoint[]): string {
  let d = `M${fmt(points[0].x)},${fmt(points[0].y)}`;
  for (let i = 1; i < points.length; i++) {
    const a = points[i - 1];
    const b = i === points.length - 1 ? { x: points[i].x - 6, y: points[i].y } : points[i];
    const mid = (b.x - a.x) / 2;
    d += ` C${fmt(a.x + mid)},${fmt(a.y)} ${fmt(b.x - mid)},${fmt(b.y)} ${fmt(b.x)},${fmt(b.y)}`;
  }
  return d;
}

/** Legend of the states present, with counts, wrapped to `maxWidth`. */
function legendSvg(states: readonly string[], maxWidth: number): { svg: string; width: number; height: number } {
  const counts = new Map<string, number>();
  for (const s of states) counts.set(s, (counts.get(s) ?? 0) + 1);
  let x = 0;
  let y = 0;
  let widest = 0;
  const parts: string[] = [];
  for (const state of sortStates(counts.keys())) {
    const s = stateStyle(state);
    const text = `${s.label} ${counts.get(state)}`;
    const w = 12 + 6 + text.length * 6.6 + 16;
    if (x > 0 && x + w > maxWidth) {
      x = 0;
      y += 20;
    }
    const dash = s.dashed ? ' stroke-dasharray="3 2"' : '';
    parts.push(
      `<g class="dagbook-legend-item"><rect x="${fmt(x)}" y="${y}" width="12" height="12" rx="3" fill="${s.fill}" stroke="${s.stroke}"${dash}/>` +
        `<text x="${fmt(x + 18)}" y="${y + 6}" dy="0.35em" font-family="${FONT_SANS}" font-size="11.5" fill="${MUTED}">${escapeHtml(s.label)} <tspan fill="${INK}" font-weight="600">${counts.get(state)}</tspan></text></g>`,
    );
    x += w;
    widest = Math.max(widest, x);
  }
  return { svg: parts.join(''), width: widest, height: y + 14 };
}

function fmt(n: number): string {
  return String(Math.round(n * 10) / 10);
}
