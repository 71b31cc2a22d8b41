import assert from 'node:assert/strict';
import { definePipeline, defineStage } from '../../src/definition/define-pipeline';
import { compilePipeline } from '../../src/plan/compile';

describe('definePipeline', () => {
  describe('when given stages written with defineStage', () => {
    const load = defineStage({ id: 'load', run: () => [1, 2, 3] });
    const total = defineStage({ id: 'total', deps: ['load'], run: (_ctx, inputs) => (inputs.load as number[]).reduce((a, b) => a + b, 0) });

    it('returns the very same definition, which compiles', () => {
      const def = { name: 'sum', stages: [load, total] };
      assert.equal(definePipeline(def), def);
      assert.deepEqual(compilePipeline(definePipeline(def)).plan.order, ['load', 'total']);
    });

    it('keeps the output type of each stage', () => {
      const out: number[] | Promise<number[]> = load.run({} as never, {});
      assert.deepEqual(out, [1, 2, 3]);
    });
  });
});
