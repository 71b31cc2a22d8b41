/**
 * Numeric helpers for the profiling phases, in plain TypeScript: what
 * danfojs does not offer (quantiles, ranks, Pearson and Spearman over pairs,
 * Cramer's V, entropy, autocorrelation), each a single pass or a sort over at
 * most a few thousand numbers. Group-bys and column summaries use danfojs
 * (data-frame.ts).
 */

/** Rounds to `digits` decimals (keeps outputs compact and stable). */
export function round(x: number, digits = 4): number {
  if (!Number.isFinite(x)) return x;
  const f = 10 ** digits;
  const r = Math.round(x * f) / f;
  return Object.is(r, -0) ? 0 : r;
}

/** Arithmetic mean; NaN for no values. */
export function mean(xs: readonly number[]): number {
  if (xs.length === 0) return NaN;
  let s = 0;
  for (const x of xs) s += x;
  return s / xs.length;
}

/** Sample standard deviation (n - 1); NaN for fewer than two values. */
export function std(xs: readonly number[]): number {
  if (xs.length < 2) return NaN;
  const m = mean(xs);
  let s = 0;
  for (const x of xs) s += (x - m) ** 2;
  return Math.sqrt(s / (xs.length - 1));
}

/** Quantile `q` in [0, 1] of ascending-sorted values, linear interpolation between order statistics (R type 7). */
export function quantileSorted(sorted: readonly number[], q: number): number {
  if (sorted.length === 0) return NaN;
  const h = (sorted.length - 1) * q;
  const lo = Math.floor(h);
  const hi = Math.ceil(h);
  return sorted[lo] + (h - lo) * (sorted[hi] - sorted[lo]);
}

/** Ranks from 1, ties given the mean of their ranks. */
export function ranks(xs: readonly number[]): number[] {
  const order = xs.map((x, i) => [x, i] as const).sort((a, b) => a[0] - b[0]);
  const out = new Array<number>(xs.length);
  let i = 0;
  while (i < order.length) {
    let j = i;
    while (j + 1 < order.length && order[j + 1][0] === order[i][0]) j++;
    const r = (i + j) / 2 + 1;
    for (let k = i; k <= j; k++) out[order[k][1]] = r;
    i = j + 1;
  }
  return out;
}

/** Pearson correlation of paired values; NaN when either side is constant or there are fewer than 3 pairs. */
export function pearson(xs: readonly number[], ys: readonly number[]): number {
  const n = xs.length;
  if (n < 3 || ys.length !== n) return NaN;
  const mx = mean(xs);
  const my = mean(ys);
  let sxy = 0;
  let sxx = 0;
  let syy = 0;
  for (let i = 0; i < n; i++) {
    const dx = xs[i] - mx;
    const dy = ys[i] - my;
    sxy += dx * dy;
    sxx += dx * dx;
    syy += dy * dy;
  }
  return sxx === 0 || syy === 0 ? NaN : sxy / Math.sqrt(sxx * syy);
}

/** Spearman rank correlation: Pearson over the ranks. */
export function spearman(xs: readonly number[], ys: readonly number[]): number {
  return pearson(ranks(xs), ranks(ys));
}

/** Cramer's V of two categorical variables (paired labels), bias-uncorrected; NaN when either has one level. */
export function cramersV(xs: readonly string[], ys: readonly string[]): number {
  const n = xs.length;
  const rowLevels = [...new Set(xs)];
  const colLevels = [...new Set(ys)];
  if (n === 0 || rowLevels.length < 2 || colLevels.length < 2) return NaN;
  const ri = new Map(rowLevels.map((l, i) => [l, i]));
  const ci = new Map(colLevels.map((l, i) => [l, i]));
  const table = rowLevels.map(() => new Array<number>(colLevels.length).fill(0));
  for (let i = 0; i < n; i++) table[ri.get(xs[i])!][ci.get(ys[i])!]++;
  const rowSums = table.map((r) => r.reduce((a, b) => a + b, 0));
  const colSums = colLevels.map((_, j) => table.reduce((a, r) => a + r[j], 0));
  let chi2 = 0;
  for (let i = 0; i < rowLevels.length; i++) {
    for (let j = 0; j < colLevels.length; j++) {
      const expected = (rowSums[i] * colSums[j]) / n;
      chi2 += (table[i][j] - expected) ** 2 / expected;
    }
  }
  return Math.sqrt(chi2 / (n * (Math.min(rowLevels.length, colLevels.length) - 1)));
}

/** Shannon entropy in bits of a distribution given by counts. */
export function shannonEntropy(counts: readonly number[]): number {
  const total = counts.reduce((a, b) => a + b, 0);
  if (total === 0) return 0;
  let h = 0;
  for (const c of counts) if (c > 0) h -= (c / total) * Math.log2(c / total);
  return h;
}

/** Sample autocorrelation of a series at lags 0..maxLag (lag 0 is 1). */
export function autocorrelation(series: readonly number[], maxLag: number): number[] {
  const n = series.length;
  const m = mean(series);
  let denom = 0;
  for (const x of series) denom += (x - m) ** 2;
  const out: number[] = [];
  for (let lag = 0; lag <= Math.min(maxLag, n - 1); lag++) {
    let s = 0;
    for (let i = 0; i + lag < n; i++) s += (series[i] - m) * (series[i + lag] - m);
    out.push(denom === 0 ? 0 : s / denom);
  }
  return out;
}

/** Counts of each distinct value, most frequent first (ties by value, ascending). */
export function valueCounts(values: readonly (string | number | boolean)[]): [string, number][] {
  const counts = new Map<string, number>();
  for (const v of values) {
    const k = String(v);
    counts.set(k, (counts.get(k) ?? 0) + 1);
  }
  return [...counts.entries()].sort((a, b) => b[1] - a[1] || (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0));
}
