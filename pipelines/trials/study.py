"""An Optuna study that tunes a moving-average crossover strategy on one symbol
of vega-datasets' stocks.csv (monthly closing prices, 2000-2010), stored in
SQLite so that dagbook's trial pipeline can discover its trials.

    .venv/bin/python pipelines/trials/study.py --prices node_modules/vega-datasets/data/stocks.csv \
        --db state/trials/study.db --trials 6

Each call adds `--trials` trials to the study (created when missing): run it
again to add a second batch. The sampler is TPE, seeded with `--seed` plus the
number of trials already in the study, so a batch is reproducible and a new
batch does not repeat the draws of the one before.

The strategy is the one `strategy.ts` backtests, computed the same way and in
the same order (plain Python floats, no NumPy), so the backtest's Sharpe ratio
of a trial equals the value the study recorded for it:
- the signal at month t is long when the `short`-month simple moving average
  is above the `long`-month one (from month `long - 1` on), flat otherwise;
- a position taken at month t's close earns month t+1's return;
- a trailing stop: a position is closed when the price falls `stop` below its
  highest close since entry, and not re-entered before the signal has been
  flat again;
- the objective is the annualised Sharpe ratio of the monthly strategy
  returns: mean / sample standard deviation * sqrt(12), 0 when they do not vary.
"""

import argparse
import csv
import math
import os
import sys

import optuna


def read_prices(path, symbol):
    """The closing prices of `symbol` in file order (oldest first)."""
    with open(path, newline="") as f:
        prices = [float(row["price"]) for row in csv.DictReader(f) if row["symbol"] == symbol]
    if len(prices) < 3:
        sys.exit(f"study.py: {path} has {len(prices)} prices of {symbol}, expected at least 3")
    return prices


def sma(prices, t, k):
    total = 0.0
    for i in range(t - k + 1, t + 1):
        total += prices[i]
    return total / k


def positions(prices, short, long, stop):
    """1 (long) or 0 (flat) held from month t to t+1, for t from long-1 to len-2."""
    held = []
    position = 0
    peak = 0.0
    rearm = True
    for t in range(long - 1, len(prices) - 1):
        signal = sma(prices, t, short) > sma(prices, t, long)
        if not signal:
            rearm = True
            position = 0
        elif position == 1:
            peak = max(peak, prices[t])
            if prices[t] <= peak * (1 - stop):
                position = 0
                rearm = False
        elif rearm:
            position = 1
            peak = prices[t]
        held.append(position)
    return held


def sharpe(prices, short, long, stop):
    held = positions(prices, short, long, stop)
    returns = []
    for j, position in enumerate(held):
        t = long - 1 + j
        returns.append(position * (prices[t + 1] / prices[t] - 1))
    n = len(returns)
    if n < 2:
        return 0.0
    mean = 0.0
    for r in returns:
        mean += r
    mean /= n
    squares = 0.0
    for r in returns:
        squares += (r - mean) * (r - mean)
    deviation = math.sqrt(squares / (n - 1))
    return 0.0 if deviation == 0 else mean / deviation * math.sqrt(12)


def main():
    parser = argparse.ArgumentParser(description="Run a batch of trials of the moving-average crossover study")
    parser.add_argument("--prices", required=True, help="stocks.csv of vega-datasets")
    parser.add_argument("--db", required=True, help="the study's SQLite file (created when missing)")
    parser.add_argument("--trials", type=int, required=True, help="trials to add in this batch")
    parser.add_argument("--study", default="ma-crossover", help="the study's name in the database")
    parser.add_argument("--symbol", default="MSFT", help="the symbol the strategy trades")
    parser.add_argument("--seed", type=int, default=42)
    args = parser.parse_args()
    if args.trials < 1:
        sys.exit(f"study.py: expected --trials to be an integer >= 1, got {args.trials}")

    prices = read_prices(args.prices, args.symbol)
    os.makedirs(os.path.dirname(os.path.abspath(args.db)), exist_ok=True)
    storage = f"sqlite:///{os.path.abspath(args.db)}"
    optuna.logging.set_verbosity(optuna.logging.WARNING)
    existing = 0
    if args.study in [s.study_name for s in optuna.get_all_study_summaries(storage)]:
        existing = len(optuna.load_study(study_name=args.study, storage=storage).trials)
    study = optuna.create_study(
        study_name=args.study,
        storage=storage,
        direction="maximize",
        load_if_exists=True,
        sampler=optuna.samplers.TPESampler(seed=args.seed + existing),
    )
    study.set_user_attr("symbol", args.symbol)

    def objective(trial):
        short = trial.suggest_int("short", 2, 10)
        long = trial.suggest_int("long", 12, 36)
        stop = trial.suggest_float("stop", 0.05, 0.3)
        return sharpe(prices, short, long, stop)

    study.optimize(objective, n_trials=args.trials)
    complete = [t for t in study.trials if t.state == optuna.trial.TrialState.COMPLETE]
    best = study.best_trial
    print(f"study {args.study}: {len(complete)} complete trials in {args.db}; best #{best.number} sharpe {best.value:.4f} {best.params}")


if __name__ == "__main__":
    main()
