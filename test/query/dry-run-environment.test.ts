import assert from 'node:assert/strict';
import { selectEnvironment } from '../../src/definition/environments';
import type { PipelineDefinition } from '../../src/definition/types';
import { compilePipeline } from '../../src/plan/compile';
import { dryRunEnvironment, environmentReason } from '../../src/query/dry-run-environment';

const definition: PipelineDefinition = {
  name: 'trials',
  stages: [
    { id: 'fetch', run: () => 1, version: '1', params: { limit: 10 } },
    { id: 'stress', run: () => 2, version: '1', deps: ['fetch'], enabled: false },
    { id: 'report', run: () => 3, version: '1', deps: ['fetch'] },
  ],
  environments: {
    prod: { maxParallel: 8, stages: { stress: { enabled: true }, report: { enabled: false }, fetch: { params: { limit: 1000 } } } },
  },
};

describe('dryRunEnvironment', () => {
  describe('when the plan was compiled for an environment', () => {
    it('lists the stages it enables and disables, and the other fields it sets', () => {
      const { plan } = compilePipeline(selectEnvironment(definition, { env: 'prod' }));
      assert.deepEqual(dryRunEnvironment(plan), {
        name: 'prod',
        sources: ['environments.prod'],
        enables: ['stress'],
        disables: ['report'],
        sets: ['maxParallel', 'stages.fetch.params.limit'],
      });
    });
  });

  describe('when no environment was selected', () => {
    it('is undefined', () => {
      assert.equal(dryRunEnvironment(compilePipeline(definition).plan), undefined);
    });
  });
});

describe('environmentReason', () => {
  const { plan } = compilePipeline(selectEnvironment(definition, { env: 'prod' }));
  const environment = dryRunEnvironment(plan);

  describe('when the environment enabled or disabled the stage', () => {
    it('says so in the reason', () => {
      assert.equal(environmentReason(plan, environment, 'stress', 'run', 'never ran'), 'never ran; enabled by environment `prod`');
      assert.equal(environmentReason(plan, environment, 'report', 'disabled', 'disabled in config'), 'disabled by environment `prod`');
    });
  });

  describe('when the environment did not change whether the stage runs', () => {
    it('keeps the reason', () => {
      assert.equal(environmentReason(plan, environment, 'fetch', 'run', 'param `limit` changed'), 'param `limit` changed');
      assert.equal(environmentReason(plan, undefined, 'stress', 'run', 'never ran'), 'never ran');
    });
  });
});
