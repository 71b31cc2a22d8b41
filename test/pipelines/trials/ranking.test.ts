import assert from 'node:assert/strict';
import { rankTrials } from '../../../pipelines/trials/ranking';

describe('pipelines/trials/ranking', () => {
  const backtests = { '0': { trial: 0, sharpe: 0.1 }, '1': { trial: 1, sharpe: 0.4 }, '2': { trial: 2, sharpe: -0.2 }, '3': { trial: 3, sharpe: 0.4 }, '4': { trial: 4, sharpe: 0.3 } };

  describe('when no stress test ran', () => {
    it('takes the best Sharpe ratios first, ties to the lower trial number', () => {
      assert.deepEqual(rankTrials(backtests, undefined, 3), ['1', '3', '4']);
    });
  });

  describe('when the stress test ran', () => {
    it('takes only the trials that passed it', () => {
      assert.deepEqual(rankTrials(backtests, { '0': true, '1': false, '2': true, '3': true, '4': false }, 3), ['3', '0', '2']);
    });
  });
});
