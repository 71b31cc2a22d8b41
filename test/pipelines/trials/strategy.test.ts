import assert from 'node:assert/strict';
import { backtest, maxDrawdown, positions, sharpeRatio, strategyReturns } from '../../../pipelines/trials/strategy';

describe('pipelines/trials/strategy', () => {
  // Up 4 months, down 3, up 3: the 1-month average crosses the 3-month one twice.
  const prices = [10, 11, 12, 13, 14, 12, 10, 9, 11, 13, 15];

  describe('when the short average crosses above the long one, then below, then above again', () => {
    it('holds from the month after the cross up to the month of the cross down', () => {
      assert.deepEqual(positions(prices, { short: 1, long: 3, stop: 0.5 }), [1, 1, 1, 0, 0, 0, 1, 1]);
    });

    it('earns the next month’s return while long, nothing while flat', () => {
      const returns = strategyReturns(prices, { short: 1, long: 3, stop: 0.5 });
      assert.deepEqual(returns.map((r) => Number(r.toFixed(6))), [0.083333, 0.076923, -0.142857, 0, 0, 0, 0.181818, 0.153846]);
    });

    it('counts 2 trades and 5 months in the market', () => {
      const result = backtest(prices, { short: 1, long: 3, stop: 0.5 });
      assert.deepEqual([result.trades, result.monthsInvested, result.months], [2, 5, 8]);
      // 13/12 × 14/13 × 12/14 × 13/11 × 15/13 = 15/11
      assert.equal(Number(result.totalReturn.toFixed(6)), Number((15 / 11 - 1).toFixed(6)));
    });
  });

  describe('when the price falls by the trailing stop while the signal stays long', () => {
    it('closes the position and does not re-enter until the signal has been flat', () => {
      // The 1-month average stays above the 4-month one after the dip to 13, but 13 is 13% below the high of 15.
      const dip = [10, 10, 10, 10, 11, 15, 13, 16, 17, 18];
      assert.deepEqual(positions(dip, { short: 1, long: 4, stop: 0.5 }), [0, 1, 1, 1, 1, 1]);
      assert.deepEqual(positions(dip, { short: 1, long: 4, stop: 0.1 }), [0, 1, 1, 0, 0, 0]);
    });
  });

  describe('sharpeRatio and maxDrawdown', () => {
    it('annualise the mean over the sample deviation and measure the worst fall from a high', () => {
      assert.equal(sharpeRatio([0.01, 0.03]), (0.02 / Math.sqrt(0.0002)) * Math.sqrt(12));
      assert.deepEqual([sharpeRatio([0.01, 0.01]), sharpeRatio([0.05])], [0, 0]);
      assert.equal(Number(maxDrawdown([0.1, -0.5, 0.2, -0.1]).toFixed(6)), 0.5);
    });
  });
});
