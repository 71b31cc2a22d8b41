import type { Plan } from '../plan/plan';

/**
 * A layered (Sugiyama-style) layout of a plan's DAG, left to right, with no
 * external tool: layers by longest path from the roots; an edge that spans
 * several layers goes through a thin "dummy" slot in each layer it crosses;
 * nodes are ordered within a layer by barycenter sweeps (the ordering with
 * the fewest crossings is kept); vertical positions pull each node towards
 * its neighbours while keeping the order and a minimum gap (isotonic
 * regression, so each pass is optimal for its layer).
 */

/** Sizes of a layout, px. */
export interface LayoutSizes {
  /** Width of a node box. */
  readonly nodeWidth: number;
  /** Height of a node box. */
  readonly nodeHeight: number;
  /** Horizontal gap between layers. */
  readonly layerGap: number;
  /** Vertical gap between two nodes of a layer. */
  readonly nodeGap: number;
  /** Vertical gap next to an edge passing through a layer. */
  readonly edgeGap: number;
}

/** A positioned stage: `x`, `y` is the box's top-left corner. */
export interface LayoutNode {
  readonly id: string;
  readonly layer: number;
  readonly x: number;
  readonly y: number;
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
  /** First point on the dep's right side, last on the dependent's left side; pairs in between cross passed layers. */
  readonly points: readonly LayoutPoint[];
}

/** The layout of a whole plan. */
export interface DagLayout {
  readonly nodes: readonly LayoutNode[];
  readonly edges: readonly LayoutEdge[];
  /** Stage ids by layer, top to bottom. */
  readonly layers: readonly (readonly string[])[];
  readonly width: number;
  readonly height: number;
  /** Edge crossings of the chosen ordering. */
  readonly crossings: number;
}

interface Slot {
  readonly key: string;
  readonly layer: number;
  readonly dummy: boolean;
  readonly preds: Slot[];
  readonly succs: Slot[];
  pos: number;
  y: number;
}

/** Lays out the plan's stages (deps outside the plan are ignored). */
export function layoutDag(plan: Plan, sizes: LayoutSizes): DagLayout {
  const layerOf = new Map<string, number>();
  for (const id of plan.order) {
    let layer = 0;
    for (const dep of plan.stages[id]?.deps ?? []) {
      const l = layerOf.get(dep);
      if (l !== undefined) layer = Math.max(layer, l + 1);
    }
    layerOf.set(id, layer);
  }
  const layerCount = plan.order.length === 0 ? 0 : Math.max(...layerOf.values()) + 1;
  const layers: Slot[][] = Array.from({ length: layerCount }, () => []);
  const slots = new Map<string, Slot>();
  const add = (key: string, layer: number, dummy: boolean): Slot => {
    const slot: Slot = { key, layer, dummy, preds: [], succs: [], pos: layers[layer].length, y: 0 };
    layers[layer].push(slot);
    slots.set(key, slot);
    return slot;
  };
  for (const id of plan.order) add(id, layerOf.get(id) as number, false);
  const chains: { from: string; to: string; slots: Slot[] }[] = [];
  for (const id of plan.order) {
    const target = slots.get(id) as Slot;
    for (const dep of plan.stages[id]?.deps ?? []) {
      const source = slots.get(dep);
      if (!source) continue;
      const chain = [source];
      for (let l = source.layer + 1; l < target.layer; l++) chain.push(add(`\u0000${dep}>${id}@${l}`, l, true));
      chain.push(target);
      for (let i = 1; i < chain.length; i++) {
        chain[i - 1].succs.push(chain[i]);
        chain[i].preds.push(chain[i - 1]);
      }
      chains.push({ from: dep, to: id, slots: chain });
    }
  }

  const crossings = orderLayers(layers);
  placeVertically(layers, sizes);

  const columnX = (layer: number) => layer * (sizes.nodeWidth + sizes.layerGap);
  const top = slots.size === 0 ? 0 : Math.min(...[...slots.values()].map((s) => s.y - heightOf(s, sizes) / 2));
  const nodes: LayoutNode[] = plan.order.map((id) => {
    const s = slots.get(id) as Slot;
    return { id, layer: s.layer, x: columnX(s.layer), y: s.y - sizes.nodeHeight / 2 - top };
  });
  const ports = edgePorts(chains, sizes);
  const edges: LayoutEdge[] = chains.map((c, i) => {
    const points: LayoutPoint[] = [{ x: columnX(c.slots[0].layer) + sizes.nodeWidth, y: c.slots[0].y - top + ports[i].out }];
    for (const s of c.slots.slice(1, -1)) {
      points.push({ x: columnX(s.layer), y: s.y - top }, { x: columnX(s.layer) + sizes.nodeWidth, y: s.y - top });
    }
    const last = c.slots[c.slots.length - 1];
    points.push({ x: columnX(last.layer), y: last.y - top + ports[i].in });
    return { from: c.from, to: c.to, points };
  });
  const width = layerCount === 0 ? 0 : columnX(layerCount - 1) + sizes.nodeWidth;
  const height = Math.max(0, ...[...slots.values()].map((s) => s.y - top + heightOf(s, sizes) / 2));
  return { nodes, edges, layers: layers.map((l) => l.filter((s) => !s.dummy).map((s) => s.key)), width, height, crossings };
}

function heightOf(s: Slot, sizes: LayoutSizes): number {
  return s.dummy ? 0 : sizes.nodeHeight;
}

/** Barycenter sweeps down and up; keeps the ordering with the fewest crossings. Returns that count. */
function orderLayers(layers: Slot[][]): number {
  const snapshot = () => layers.map((l) => [...l]);
  let best = snapshot();
  let bestCrossings = countCrossings(layers);
  for (let sweep = 0; sweep < 8 && bestCrossings > 0; sweep++) {
    const down = sweep % 2 === 0;
    const range = down ? layers.map((_, i) => i).slice(1) : layers.map((_, i) => i).slice(0, -1).reverse();
    for (const l of range) {
      const layer = layers[l];
      const bary = new Map<Slot, number>();
      for (const s of layer) {
        const neighbours = down ? s.preds : s.succs;
        bary.set(s, neighbours.length === 0 ? s.pos : neighbours.reduce((sum, n) => sum + n.pos, 0) / neighbours.length);
      }
      // Stable: equal barycenters keep their current order.
      layer.sort((a, b) => (bary.get(a) as number) - (bary.get(b) as number) || a.pos - b.pos);
      layer.forEach((s, i) => (s.pos = i));
    }
    const crossings = countCrossings(layers);
    if (crossings < bestCrossings) {
      bestCrossings = crossings;
      best = snapshot();
    }
  }
  best.forEach((layer, l) => {
    layers[l] = layer;
    layer.forEach((s, i) => (s.pos = i));
  });
  return bestCrossings;
}

/** Crossings between consecutive layers (pairs of edges whose ends are in opposite order). */
function countCrossings(layers: Slot[][]): number {
  let total = 0;
  for (let l = 0; l + 1 < layers.length; l++) {
    const edges: [number, number][] = [];
    for (const s of layers[l]) for (const t of s.succs) edges.push([s.pos, t.pos]);
    edges.sort((a, b) => a[0] - b[0] || a[1] - b[1]);
    for (let i = 0; i < edges.length; i++) {
      for (let j = i + 1; j < edges.length; j++) {
        if (edges[i][0] < edges[j][0] && edges[i][1] > edges[j][1]) total++;
      }
    }
  }
  return total;
}

/** Vertical centres: each node pulled to the mean of its neighbours, order and gaps kept. */
function placeVertically(layers: Slot[][], sizes: LayoutSizes): void {
  const sep = (a: Slot, b: Slot) =>
    (heightOf(a, sizes) + heightOf(b, sizes)) / 2 + (a.dummy || b.dummy ? sizes.edgeGap : sizes.nodeGap);
  for (const layer of layers) {
    let y = 0;
    layer.forEach((s, i) => {
      if (i > 0) y += sep(layer[i - 1], s);
      s.y = y;
    });
  }
  // Centre every layer on the tallest one before pulling.
  const extent = (layer: Slot[]) => (layer.length === 0 ? 0 : layer[layer.length - 1].y);
  const tallest = Math.max(0, ...layers.map(extent));
  for (const layer of layers) {
    const shift = (tallest - extent(layer)) / 2;
    for (const s of layer) s.y += shift;
  }
  const passes: ('preds' | 'succs' | 'both')[] = ['preds', 'succs', 'preds', 'succs', 'both', 'both'];
  for (const pass of passes) {
    const order = pass === 'succs' ? [...layers].reverse() : layers;
    for (const layer of order) {
      const desired = layer.map((s) => {
        const neighbours = pass === 'preds' ? s.preds : pass === 'succs' ? s.succs : [...s.preds, ...s.succs];
        return neighbours.length === 0 ? s.y : neighbours.reduce((sum, n) => sum + n.y, 0) / neighbours.length;
      });
      const offsets = [0];
      for (let i = 1; i < layer.length; i++) offsets.push(offsets[i - 1] + sep(layer[i - 1], layer[i]));
      const fitted = isotonic(desired.map((d, i) => d - offsets[i]));
      layer.forEach((s, i) => (s.y = fitted[i] + offsets[i]));
    }
  }
}

/** Least-squares non-decreasing fit of `values` (pool adjacent violators). */
function isotonic(values: readonly number[]): number[] {
  const blocks: { sum: number; count: number }[] = [];
  for (const v of values) {
    blocks.push({ sum: v, count: 1 });
    while (blocks.length > 1) {
      const b = blocks[blocks.length - 1];
      const a = blocks[blocks.length - 2];
      if (a.sum / a.count <= b.sum / b.count) break;
      blocks.splice(-2, 2, { sum: a.sum + b.sum, count: a.count + b.count });
    }
  }
  return blocks.flatMap((b) => Array<number>(b.count).fill(b.sum / b.count));
}

/** Vertical offsets of each edge's ends, so edges meeting a node fan out instead of piling up. */
function edgePorts(chains: readonly { slots: Slot[] }[], sizes: LayoutSizes): { out: number; in: number }[] {
  const ports = chains.map(() => ({ out: 0, in: 0 }));
  const spread = (indices: number[], y: (i: number) => number, set: (i: number, v: number) => void) => {
    if (indices.length < 2) return;
    indices.sort((a, b) => y(a) - y(b));
    const step = Math.min(5, (sizes.nodeHeight - 12) / (indices.length - 1));
    indices.forEach((ci, k) => set(ci, (k - (indices.length - 1) / 2) * step));
  };
  const outgoing = new Map<Slot, number[]>();
  const incoming = new Map<Slot, number[]>();
  chains.forEach((c, i) => {
    const first = c.slots[0];
    const last = c.slots[c.slots.length - 1];
    outgoing.set(first, [...(outgoing.get(first) ?? []), i]);
    incoming.set(last, [...(incoming.get(last) ?? []), i]);
  });
  for (const list of outgoing.values()) spread(list, (i) => chains[i].slots[1].y, (i, v) => (ports[i].out = v));
  for (const list of incoming.values()) spread(list, (i) => chains[i].slots[chains[i].slots.length - 2].y, (i, v) => (ports[i].in = v));
  return ports;
}
