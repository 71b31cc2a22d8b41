import * as fs from 'node:fs';
import * as path from 'node:path';
import * as Papa from 'papaparse';
import { NonRetryableError } from '../../src/errors';

/**
 * Monthly closing prices from vega-datasets' `stocks.csv` (`symbol,date,price`,
 * one row per symbol and month, oldest first), and the shocked series the
 * stress test runs on.
 */

/** The folder of `trials.yaml` (`pipelines/`): relative `prices` params resolve from here. */
export const PIPELINE_DIR = path.resolve(__dirname, '..');

/** vega-datasets' stocks.csv, relative to {@link PIPELINE_DIR}. */
export const DEFAULT_PRICES = '../node_modules/vega-datasets/data/stocks.csv';

/** One symbol's series. */
export interface PriceSeries {
  readonly symbol: string;
  /** Month labels as the file gives them (`Jan 1 2000`). */
  readonly dates: readonly string[];
  /** Closing prices, oldest first. */
  readonly prices: readonly number[];
}

/** The absolute path of a `prices` param (relative paths resolve from {@link PIPELINE_DIR}). */
export function resolvePrices(file: string | undefined): string {
  return path.resolve(PIPELINE_DIR, file ?? DEFAULT_PRICES);
}

/**
 * The series of `symbol` in the CSV file `file`.
 * @throws NonRetryableError when the file has no row of that symbol or a price is not a positive number
 */
export function readSeries(file: string, symbol: string): PriceSeries {
  const parsed = Papa.parse<Record<string, string>>(fs.readFileSync(file, 'utf8'), { header: true, skipEmptyLines: true });
  const dates: string[] = [];
  const prices: number[] = [];
  for (const [i, row] of parsed.data.entries()) {
    if (row.symbol !== symbol) continue;
    const price = Number(row.price);
    if (!(price > 0)) throw new NonRetryableError(`Expected \`price\` of row ${i + 2} of ${file} to be a positive number, got \`${row.price}\``);
    dates.push(String(row.date));
    prices.push(price);
  }
  if (prices.length === 0) {
    const symbols = [...new Set(parsed.data.map((r) => r.symbol))].map((s) => `\`${s}\``).join(', ');
    throw new NonRetryableError(`Symbol \`${symbol}\` has no prices in ${file}: its symbols are ${symbols}`);
  }
  return { symbol, dates, prices };
}

/**
 * The series with a crash: every price from index `at` on multiplied by
 * `1 - drop`, and the months after it swinging `volatility` times as far
 * from the shocked level (a gap down, then a market twice as nervous).
 */
export function shockSeries(series: PriceSeries, at: number, drop: number, volatility: number): PriceSeries {
  const prices = series.prices.map((p, t) => {
    if (t < at) return p;
    const base = series.prices[at]! * (1 - drop);
    const moved = (p / series.prices[at]! - 1) * volatility;
    return Math.max(base * (1 + moved), 0.01);
  });
  return { ...series, symbol: `${series.symbol} (shocked)`, prices };
}
