import * as path from 'node:path';
import { canonicalJson, sha256 } from '../../src/canonical-json';
import type { Item, ItemSet, StageContext, StageInputs } from '../../src/definition/types';
import { DagbookError, NonRetryableError } from '../../src/errors';
import { readCompleteTrials, type TrialParam } from './optuna-study';
import { readSeries, resolvePrices, shockSeries } from './prices';
import { rankTrials } from './ranking';
import { backtest as runBacktest, type BacktestMetrics, type StrategyParams } from './strategy';

/**
 * The trial pipeline as dagbook stages (`fn: ./trials/stages.ts#discover` in
 * `pipelines/trials.yaml`): `discover` reads the COMPLETE trials of an Optuna
 * study (the items: id = trial number, hash = params and value); per trial
 * `backtest` replays the moving-average crossover on the real prices and
 * `stress` on a crashed copy of them; `select` ranks the backtests and
 * returns the best as the items of `deploy`, the paper-trading services.
 */

/** The payload of a discovered trial. */
export interface TrialPayload {
  readonly number: number;
  /** The objective's value the study recorded (the Sharpe ratio `study.py` computed). */
  readonly value: number;
  readonly params: Readonly<Record<string, TrialParam>>;
}

/** Output of `backtest` for one trial. */
export interface BacktestOutput extends BacktestMetrics {
  readonly trial: number;
  readonly symbol: string;
  readonly params: StrategyParams;
  /** The value the study recorded for the trial: the backtest reproduces it. */
  readonly studyValue: number;
}

/** Output of `stress` for one trial. */
export interface StressOutput extends BacktestMetrics {
  readonly trial: number;
  /** The shocked series' name, e.g. `MSFT (shocked)`. */
  readonly series: string;
  /** Whether the drawdown under stress stayed within `maxDrawdown`. */
  readonly passed: boolean;
}

/** The payload of a selected trial: what its paper trader needs. */
export interface SelectedPayload {
  readonly number: number;
  /** Its rank, from 1. */
  readonly rank: number;
  readonly sharpe: number;
  readonly params: StrategyParams;
  readonly symbol: string;
  /** Absolute path of the prices file. */
  readonly prices: string;
  /** Absolute path of the file the trader appends its fills to. */
  readonly fills: string;
}

function fail(ctx: StageContext, message: string): never {
  throw new DagbookError('INVALID_OPTION', `Stage \`${ctx.stageId}\`: ${message}`, { stageId: ctx.stageId, errorClass: 'logic' });
}

function stringParam(ctx: StageContext, name: string, fallback?: string): string {
  const value = ctx.params[name] ?? fallback;
  if (typeof value !== 'string' || value === '') fail(ctx, `expected param \`${name}\` to be a non-empty string, got \`${JSON.stringify(value)}\``);
  return value;
}

function numberParam(ctx: StageContext, name: string, fallback: number, min: number, max = Infinity): number {
  const value = ctx.params[name] ?? fallback;
  if (typeof value !== 'number' || !(value >= min && value <= max)) fail(ctx, `expected param \`${name}\` to be a number from ${min} to ${max}, got \`${JSON.stringify(value)}\``);
  return value;
}

/** The study's SQLite file: as given when absolute, else in the pipeline's state folder (the working directory when the run has none). */
export function studyFile(ctx: StageContext): string {
  return path.resolve(ctx.stateDir ?? process.cwd(), stringParam(ctx, 'study', 'study.db'));
}

/** The strategy params of a trial, checked. */
export function strategyParams(ctx: StageContext, params: Readonly<Record<string, TrialParam>>): StrategyParams {
  const { short, long, stop } = params;
  if (!Number.isInteger(short) || !Number.isInteger(long) || (short as number) < 1 || (long as number) <= (short as number) || typeof stop !== 'number' || !(stop > 0 && stop < 1)) {
    throw new NonRetryableError(`Trial \`${ctx.item?.id}\` has params ${JSON.stringify(params)}: expected integers 1 <= short < long and 0 < stop < 1`, { errorClass: 'logic' });
  }
  return { short: short as number, long: long as number, stop };
}

function trialOf(ctx: StageContext): TrialPayload {
  const payload = ctx.item?.payload as Partial<TrialPayload> | undefined;
  if (typeof payload?.number !== 'number' || typeof payload.params !== 'object' || payload.params === null) {
    fail(ctx, `runs once per trial (\`forEach: discover\`): expected an item with a payload { number, value, params }, got \`${JSON.stringify(ctx.item)}\``);
  }
  return payload as TrialPayload;
}

/** Discovery: the COMPLETE trials of study `studyName` in the SQLite file `study` (params). */
export function discover(ctx: StageContext): Item<TrialPayload>[] {
  return readCompleteTrials(studyFile(ctx), stringParam(ctx, 'studyName', 'ma-crossover')).map((t) => ({
    id: String(t.number),
    hash: sha256(canonicalJson({ params: t.params, value: t.value })),
    payload: { number: t.number, value: t.value, params: t.params },
  }));
}

/** Per trial: the strategy with the trial's params on `symbol`'s monthly prices in `prices`. */
export function backtest(ctx: StageContext): BacktestOutput {
  const trial = trialOf(ctx);
  const params = strategyParams(ctx, trial.params);
  const series = readSeries(resolvePrices(stringParam(ctx, 'prices')), stringParam(ctx, 'symbol'));
  const metrics = runBacktest(series.prices, params);
  ctx.log(`trial ${trial.number}: sharpe ${metrics.sharpe.toFixed(4)}, ${metrics.trades} trades, max drawdown ${(metrics.maxDrawdown * 100).toFixed(1)}%`);
  return { trial: trial.number, symbol: series.symbol, params, studyValue: trial.value, ...metrics };
}

/**
 * Per trial: the backtest on the prices crashed at `shockAt` (a fraction of
 * the series) by `drop`, with `volatility` times the swings after; passes
 * when the drawdown stays within `maxDrawdown`.
 */
export function stress(ctx: StageContext): StressOutput {
  const trial = trialOf(ctx);
  const params = strategyParams(ctx, trial.params);
  const series = readSeries(resolvePrices(stringParam(ctx, 'prices')), stringParam(ctx, 'symbol'));
  const at = Math.floor(series.prices.length * numberParam(ctx, 'shockAt', 0.5, 0, 1));
  const shocked = shockSeries(series, at, numberParam(ctx, 'drop', 0.3, 0, 0.99), numberParam(ctx, 'volatility', 2, 0));
  const metrics = runBacktest(shocked.prices, params);
  return { trial: trial.number, series: shocked.symbol, passed: metrics.maxDrawdown <= numberParam(ctx, 'maxDrawdown', 0.5, 0, 1), ...metrics };
}

/**
 * Discovery of the trials to deploy: the `top` best backtests (and, when the
 * stress test ran, only those that passed it), as the items of `deploy`.
 * An item's hash is the trial's, so a trial that stays selected keeps its
 * trader running. The dry run calls it without inputs: the ranking is known
 * once `backtest` has run.
 */
export function select(ctx: StageContext, inputs: StageInputs): Item<SelectedPayload>[] {
  const backtests = inputs.backtest as ItemSet<BacktestOutput> | undefined;
  if (backtests === undefined) throw new NonRetryableError('the ranking is known once `backtest` has run');
  const stressed = inputs.stress as ItemSet<StressOutput> | undefined;
  const passed = stressed === undefined ? undefined : Object.fromEntries(Object.entries(stressed.outputs).map(([id, s]) => [id, s.passed]));
  const prices = resolvePrices(stringParam(ctx, 'prices'));
  const fillsDir = path.resolve(ctx.stateDir ?? process.cwd(), stringParam(ctx, 'fills', 'paper'));
  return rankTrials(backtests.outputs, passed, numberParam(ctx, 'top', 3, 1)).map((id, i) => {
    const b = backtests.outputs[id]!;
    return {
      id,
      hash: sha256(canonicalJson({ params: b.params, sharpe: b.sharpe, symbol: b.symbol })),
      payload: { number: b.trial, rank: i + 1, sharpe: b.sharpe, params: b.params, symbol: b.symbol, prices, fills: path.join(fillsDir, `trial-${id}.jsonl`) },
    };
  });
}
