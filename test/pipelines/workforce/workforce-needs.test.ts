import assert from 'node:assert/strict';
import { DEFAULT_PARAMETERS, workforceParameters } from '../../../pipelines/workforce/parameters';
import { computeNeeds } from '../../../pipelines/workforce/workforce-needs';

describe('workforce-needs', () => {
  describe('when the workforce grows', () => {
    it('hires for growth and leavers, grossed up for the hires who leave', () => {
      // 10000 × 1.03 = 10300; (300 + 1318) / 0.75 = 2157.33 -> 2158; 2158 × 0.25 = 539.5 -> 540.
      assert.deepEqual(computeNeeds(2025, 10_000, 1317.6, DEFAULT_PARAMETERS), {
        year: 2025, startHeadcount: 10_000, targetHeadcount: 10_300, experiencedTerminations: 1318, hires: 2158, newHireTerminations: 540,
      });
    });
  });
  describe('when the target is below what remains after leavers', () => {
    it('hires no one', () => {
      assert.deepEqual(computeNeeds(2025, 1000, 10, workforceParameters({ growthRate: -0.2 })), {
        year: 2025, startHeadcount: 1000, targetHeadcount: 800, experiencedTerminations: 10, hires: 0, newHireTerminations: 0,
      });
    });
  });
});
