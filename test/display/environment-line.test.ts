import assert from 'node:assert/strict';
import { environmentLine, environmentTag } from '../../src/display/environment-line';

describe('environmentLine', () => {
  describe('when the environment enables, disables and sets fields', () => {
    it('names each, with where its overlays came from', () => {
      assert.equal(
        environmentLine({ name: 'prod', sources: ['environments.prod', 'trials.prod.yaml'], enables: ['stress'], disables: ['report'], sets: ['maxParallel'] }),
        'environment: prod (from `environments.prod`, `trials.prod.yaml`): enables `stress`; disables `report`; sets `maxParallel`',
      );
    });
  });

  describe('when the environment has no overlay', () => {
    it('says it changes nothing', () => {
      assert.equal(environmentLine({ name: 'dev', sources: [], enables: [], disables: [], sets: [] }), 'environment: dev (no overlay): changes nothing');
    });
  });
});

describe('environmentTag', () => {
  describe('when an environment is named, and when none is', () => {
    it('gives the headline words, or nothing', () => {
      assert.equal(environmentTag('prod'), ' (environment: prod)');
      assert.equal(environmentTag(undefined), '');
    });
  });
});
