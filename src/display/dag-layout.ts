import type * as Dagre from '@dagrejs/dagre';
import type { Plan } from '../plan/plan';
import { transitiveReduction, type DagEdge } from './transitive-reduction';

/**
 * A left-to-right layered layout of a plan's DAG, computed by dagre (ranks by
 * network simplex, crossing reduction, coordinate assignment, edges routed
 * around nodes). This module only decides what to lay out: each node is as
 * wide as its full id needs (labels are never cut), and by default edges
 * implied by a longer path are left out, so a stage that depends on every
 * earlier one does not tie the picture into a knot.
 *
 * Label width is an estimate, not a measurement: the ids are drawn in a
 * monospace font, whose glyphs are 0.6 em wide in the fonts of FONT_MONO
 * (Menlo, Consolas, DejaVu Sans Mono, Liberation Mono: 0.60-0.602 em), so an
 * id of n characters is `n * 0.6 * fontSize` px wide.
 */

/** Width of one monospace glyph, in em. */
export const MONO_CHAR_EM = 0.6;

/** Sizes of a layout, px. */
export interface LayoutSizes {
  /** Height of a node box. */
  readonly nodeHeight: number;
  /** Font size of the node labels. */
  readonly fontSize: number;
  /** Space between a label and its box's left and right sides. */
  readonly paddingX: number;
  /** Narrowest a node box is drawn. */
  readonly minNodeWidth: number;
  /** Horizontal gap between ranks. */
  readonly rankGap: number;
  /** Vertical gap between two nodes of a rank. */
  readonly nodeGap: number;
  /** Vertical gap between edges passing through a rank. */
  readonly edgeGap: number;
}

/** Which edges a layout draws. */
export type EdgeSelection = 'all' | 'reduced';

/** Options of {@link layoutDag}. */
export interface LayoutOptions {
  /** `reduced` leaves out edges implied by a longer path; `all` draws every dep. @default 'reduced' */
  readonly edges?: EdgeSelection;
}

/** A positioned stage: `x`, `y` is the box's top-left corner. */
export interface LayoutNode {
  readonly id: string;
  readonly x: number;
  readonly y: number;
  /** Box width: the full label plus padding. */
  readonly width: number;
  readonly height: number;
}

/** A point of an edge. */
export interface LayoutPoint {
  readonly x: number;
  readonly y: number;
}

/** An edge from a dep to its dependent: the points it passes through, in order. */
export interface LayoutEdge {
  readonly from: string;
  readonly to: string;
  /** First point on the middle of the dep's right side, last on the middle of the dependent's left side. */
  readonly points: readonly LayoutPoint[];
}

/** The layout of a whole plan. */
export interface DagLayout {
  /** Stages in plan order. */
  readonly nodes: readonly LayoutNode[];
  /** Edges drawn, by dependent in plan order. */
  readonly edges: readonly LayoutEdge[];
  /** Edges left out because a longer path implies them (empty with `edges: 'all'`). */
  readonly hiddenEdges: readonly DagEdge[];
  readonly width: number;
  readonly height: number;
}

/** Width of a box that shows `id` whole. */
export function nodeWidth(id: string, sizes: LayoutSizes): number {
  return Math.max(sizes.minNodeWidth, Math.ceil(id.length * MONO_CHAR_EM * sizes.fontSize) + 2 * sizes.paddingX);
}

/** Lays out the plan's stages (deps outside the plan are ignored). */
export function layoutDag(plan: Plan, sizes: LayoutSizes, options: LayoutOptions = {}): DagLayout {
  const inPlan = new Set(plan.order);
  const depsOf = (id: string) => (plan.stages[id]?.deps ?? []).filter((d) => inPlan.has(d));
  const reduced = transitiveReduction(plan.order, depsOf);
  const all = options.edges === 'all';
  const drawn = all ? plan.order.flatMap((id) => depsOf(id).map((from) => ({ from, to: id }))) : reduced.kept;

  // dagre (47 modules) loads on the first layout, not on the library's import path: most sessions never draw a graph.
  const { graphlib, layout: dagreLayout } = require('@dagrejs/dagre') as typeof Dagre;
  const g = new graphlib.Graph();
  g.setGraph({ rankdir: 'LR', ranksep: sizes.rankGap, nodesep: sizes.nodeGap, edgesep: sizes.edgeGap, marginx: 0, marginy: 0 });
  g.setDefaultEdgeLabel(() => ({}));
  for (const id of plan.order) g.setNode(id, { width: nodeWidth(id, sizes), height: sizes.nodeHeight });
  for (const e of drawn) g.setEdge(e.from, e.to);
  dagreLayout(g);

  const nodes: LayoutNode[] = plan.order.map((id) => {
    const n = g.node(id);
    return { id, x: n.x - n.width / 2, y: n.y - n.height / 2, width: n.width, height: n.height };
  });
  const byId = new Map(nodes.map((n) => [n.id, n]));
  // dagre ends an edge wherever it meets the box; ports on the sides read better left to right.
  const bends = drawn.map(({ from, to }) => (g.edge(from, to).points as LayoutPoint[]).slice(1, -1).map((p) => ({ x: p.x, y: p.y })));
  const ports = fanOut(drawn, bends, byId);
  const edges: LayoutEdge[] = drawn.map(({ from, to }, i) => {
    const source = byId.get(from) as LayoutNode;
    const target = byId.get(to) as LayoutNode;
    return {
      from,
      to,
      points: [
        { x: source.x + source.width, y: source.y + source.height / 2 + ports[i].out },
        ...bends[i],
        { x: target.x, y: target.y + target.height / 2 + ports[i].in },
      ],
    };
  });
  // dagre reports -Infinity for a graph without nodes.
  const size = (n: number | undefined) => (n !== undefined && Number.isFinite(n) ? n : 0);
  const label = g.graph();
  return { nodes, edges, hiddenEdges: all ? [] : reduced.implied, width: size(label.width), height: size(label.height) };
}

/**
 * Vertical offsets of each edge's ends from the middle of the box side, so
 * edges meeting a node fan out in the order they arrive instead of piling
 * onto one point: at most 5 px apart, within the box's height less 12 px.
 */
function fanOut(
  edges: readonly DagEdge[],
  bends: readonly (readonly LayoutPoint[])[],
  byId: ReadonlyMap<string, LayoutNode>,
): { out: number; in: number }[] {
  const ports = edges.map(() => ({ out: 0, in: 0 }));
  const centre = (id: string) => {
    const n = byId.get(id) as LayoutNode;
    return n.y + n.height / 2;
  };
  // The far end of an edge as seen from each end: its nearest bend, else the other node.
  const seenFromSource = (i: number) => bends[i][0]?.y ?? centre(edges[i].to);
  const seenFromTarget = (i: number) => bends[i][bends[i].length - 1]?.y ?? centre(edges[i].from);
  const spread = (groups: Map<string, number[]>, y: (i: number) => number, set: (i: number, offset: number) => void) => {
    for (const [id, list] of groups) {
      if (list.length < 2) continue;
      const step = Math.min(5, ((byId.get(id) as LayoutNode).height - 12) / (list.length - 1));
      list.sort((a, b) => y(a) - y(b) || a - b);
      list.forEach((edge, k) => set(edge, (k - (list.length - 1) / 2) * step));
    }
  };
  const outgoing = new Map<string, number[]>();
  const incoming = new Map<string, number[]>();
  const add = (groups: Map<string, number[]>, id: string, i: number) => {
    const list = groups.get(id);
    if (list) list.push(i);
    else groups.set(id, [i]);
  };
  edges.forEach((e, i) => {
    add(outgoing, e.from, i);
    add(incoming, e.to, i);
  });
  spread(outgoing, seenFromSource, (i, v) => (ports[i].out = v));
  spread(incoming, seenFromTarget, (i, v) => (ports[i].in = v));
  return ports;
}
