/**
 * Which trials go to paper trading: the `top` best by backtest Sharpe ratio
 * (ties to the lower trial number), among the trials whose backtest
 * succeeded and, when the stress test ran, whose stress test passed.
 */

/** What the ranking reads of one trial's backtest. */
export interface RankedBacktest {
  readonly trial: number;
  readonly sharpe: number;
}

/** The ids of the chosen trials, best first. */
export function rankTrials(
  backtests: Readonly<Record<string, RankedBacktest>>,
  stressPassed: Readonly<Record<string, boolean>> | undefined,
  top: number,
): string[] {
  return Object.entries(backtests)
    .filter(([id]) => stressPassed === undefined || stressPassed[id] === true)
    .sort(([, a], [, b]) => b.sharpe - a.sharpe || a.trial - b.trial)
    .slice(0, top)
    .map(([id]) => id);
}
