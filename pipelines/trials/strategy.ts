/**
 * The moving-average crossover strategy and its backtest on monthly prices,
 * computed exactly as `study.py` computes the study's objective (same rules,
 * same order of floating-point operations), so the backtest's Sharpe ratio
 * of a trial equals the value Optuna recorded for it:
 * - long when the `short`-month simple moving average is above the
 *   `long`-month one (from month `long - 1` on), flat otherwise;
 * - a position taken at month t's close earns month t+1's return;
 * - a trailing stop closes a position once the price falls `stop` below its
 *   highest close since entry; no re-entry before the signal is flat again.
 */

/** The params a trial tunes. */
export interface StrategyParams {
  /** Months of the short moving average. */
  readonly short: number;
  /** Months of the long moving average. */
  readonly long: number;
  /** Trailing stop as a fraction of the highest close since entry (0.1 = 10%). */
  readonly stop: number;
}

/** What a backtest measures. */
export interface BacktestMetrics {
  /** Annualised Sharpe ratio of the monthly strategy returns (no risk-free rate); 0 when they do not vary. */
  readonly sharpe: number;
  /** Compounded return over the whole series (0.25 = +25%). */
  readonly totalReturn: number;
  /** Largest fall of the equity curve from a previous high, as a fraction (0.3 = -30%). */
  readonly maxDrawdown: number;
  /** Positions opened. */
  readonly trades: number;
  /** Months in the market. */
  readonly monthsInvested: number;
  /** Months with a return (the series' length minus the long window). */
  readonly months: number;
}

function sma(prices: readonly number[], t: number, k: number): number {
  let total = 0;
  for (let i = t - k + 1; i <= t; i++) total += prices[i]!;
  return total / k;
}

/** 1 (long) or 0 (flat) held from month t to t+1, for t from `long - 1` to the second last month. */
export function positions(prices: readonly number[], params: StrategyParams): number[] {
  const held: number[] = [];
  let position = 0;
  let peak = 0;
  let rearm = true;
  for (let t = params.long - 1; t < prices.length - 1; t++) {
    const signal = sma(prices, t, params.short) > sma(prices, t, params.long);
    if (!signal) {
      rearm = true;
      position = 0;
    } else if (position === 1) {
      peak = Math.max(peak, prices[t]!);
      if (prices[t]! <= peak * (1 - params.stop)) {
        position = 0;
        rearm = false;
      }
    } else if (rearm) {
      position = 1;
      peak = prices[t]!;
    }
    held.push(position);
  }
  return held;
}

/** The strategy's monthly returns on `prices`. */
export function strategyReturns(prices: readonly number[], params: StrategyParams): number[] {
  return positions(prices, params).map((position, j) => {
    const t = params.long - 1 + j;
    return position * (prices[t + 1]! / prices[t]! - 1);
  });
}

/** Annualised Sharpe ratio of monthly returns: mean / sample standard deviation × √12; 0 for fewer than 2 or constant returns. */
export function sharpeRatio(returns: readonly number[]): number {
  const n = returns.length;
  if (n < 2) return 0;
  let mean = 0;
  for (const r of returns) mean += r;
  mean /= n;
  let squares = 0;
  for (const r of returns) squares += (r - mean) * (r - mean);
  const deviation = Math.sqrt(squares / (n - 1));
  return deviation === 0 ? 0 : (mean / deviation) * Math.sqrt(12);
}

/** Largest fall of the compounded equity curve from its running high, as a fraction. */
export function maxDrawdown(returns: readonly number[]): number {
  let equity = 1;
  let high = 1;
  let worst = 0;
  for (const r of returns) {
    equity *= 1 + r;
    high = Math.max(high, equity);
    worst = Math.max(worst, 1 - equity / high);
  }
  return worst;
}

/** The backtest of the strategy on `prices`. */
export function backtest(prices: readonly number[], params: StrategyParams): BacktestMetrics {
  const held = positions(prices, params);
  const returns = strategyReturns(prices, params);
  let trades = 0;
  held.forEach((p, i) => {
    if (p === 1 && (i === 0 || held[i - 1] === 0)) trades++;
  });
  return {
    sharpe: sharpeRatio(returns),
    totalReturn: returns.reduce((equity, r) => equity * (1 + r), 1) - 1,
    maxDrawdown: maxDrawdown(returns),
    trades,
    monthsInvested: held.reduce((a, b) => a + b, 0),
    months: returns.length,
  };
}
