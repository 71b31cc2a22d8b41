import * as fs from 'node:fs';
import * as path from 'node:path';
import type { StageContext, StageInputs } from 'dagbook';

/**
 * Stages of the example `orders` pipeline (pipelines/example.yaml): load a
 * small CSV of orders, clean it, total it by region and by month, and write a
 * summary. Plain TypeScript; used by the dry-run and tutorial notebooks. Its
 * types come from `dagbook` by name, as in a project's own stage module, so the
 * example (with data/orders.csv) copies into a project made by `dagbook init`
 * and type-checks there.
 */

/** One order. */
export interface Order {
  readonly order_id: number;
  readonly date: string;
  readonly region: string;
  readonly product: string;
  readonly amount: number | null;
}

/** Reads `data/orders.csv` (declared as the stage's input file, so editing it re-runs the stage). */
export function load(ctx: StageContext): Order[] {
  const file = path.join(__dirname, '..', 'data', 'orders.csv');
  const [header, ...lines] = fs.readFileSync(file, 'utf8').trim().split(/\r?\n/);
  const names = header.split(',');
  const orders = lines.map((line) => {
    const cells = line.split(',');
    const row = Object.fromEntries(names.map((n, i) => [n, cells[i]]));
    return {
      order_id: Number(row.order_id),
      date: row.date,
      region: row.region,
      product: row.product,
      amount: row.amount === '' ? null : Number(row.amount),
    };
  });
  ctx.progress(orders.length, orders.length, `${orders.length} orders read`);
  return orders;
}

/** Drops orders with no amount or an amount under `minAmount`. */
export function clean(ctx: StageContext, inputs: StageInputs): { orders: Order[]; dropped: number } {
  const minAmount = Number(ctx.params.minAmount ?? 0);
  const orders = inputs.load as Order[];
  const kept = orders.filter((o) => o.amount !== null && o.amount >= minAmount);
  return { orders: kept, dropped: orders.length - kept.length };
}

function totals(orders: readonly Order[], key: (o: Order) => string): { key: string; orders: number; amount: number }[] {
  const sums = new Map<string, { orders: number; amount: number }>();
  for (const o of orders) {
    const k = key(o);
    const s = sums.get(k) ?? { orders: 0, amount: 0 };
    s.orders++;
    s.amount = Math.round((s.amount + (o.amount ?? 0)) * 100) / 100;
    sums.set(k, s);
  }
  return [...sums.entries()].sort(([a], [b]) => (a < b ? -1 : 1)).map(([k, s]) => ({ key: k, ...s }));
}

/** Orders and amount per region. */
export function byRegion(_ctx: StageContext, inputs: StageInputs) {
  return totals((inputs.clean as { orders: Order[] }).orders, (o) => o.region);
}

/** Orders and amount per month (`YYYY-MM`). */
export function byMonth(_ctx: StageContext, inputs: StageInputs) {
  return totals((inputs.clean as { orders: Order[] }).orders, (o) => o.date.slice(0, 7));
}

/** A short summary of the totals. */
export function report(_ctx: StageContext, inputs: StageInputs) {
  const regions = inputs.by_region as { key: string; amount: number }[];
  const months = inputs.by_month as { key: string; amount: number }[];
  const best = <T extends { amount: number }>(rows: T[]) => rows.reduce((a, b) => (b.amount > a.amount ? b : a));
  const total = Math.round(regions.reduce((s, r) => s + r.amount, 0) * 100) / 100;
  return { total, topRegion: best(regions).key, bestMonth: best(months).key, regions: regions.length, months: months.length };
}
