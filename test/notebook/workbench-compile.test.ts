import { strict as assert } from 'node:assert';
import type { PipelineDefinition } from '../../src/definition/types';
import { CompiledDefinition } from '../../src/notebook/workbench-compile';

const one: PipelineDefinition = { name: 'compiled', stages: [{ id: 'a', run: () => 1 }] };
const two: PipelineDefinition = { name: 'compiled', stages: [{ id: 'a', run: () => 1 }, { id: 'b', deps: ['a'], run: () => 2 }] };
const broken: PipelineDefinition = { name: 'compiled', stages: [{ id: 'a', deps: ['nope'], run: () => 1 }] };

describe('CompiledDefinition', () => {
  describe('when nothing changes', () => {
    it('compiles once and returns the same compiled pipeline', () => {
      const pipeline = new CompiledDefinition(one);
      const first = pipeline.compiled();
      assert.equal(pipeline.compiled(), first);
      assert.deepEqual(first.plan.order, ['a']);
    });
  });

  describe('when the definition changes', () => {
    it('compiles the new one', () => {
      const pipeline = new CompiledDefinition(one);
      const before = pipeline.compiled();
      pipeline.change(two);
      assert.equal(pipeline.definition, two);
      assert.notEqual(pipeline.compiled(), before);
      assert.deepEqual(pipeline.compiled().plan.order, ['a', 'b']);
    });
  });

  describe('when the new definition does not compile', () => {
    it('throws PLAN_INVALID and keeps the previous definition', () => {
      const pipeline = new CompiledDefinition(one);
      assert.throws(() => pipeline.change(broken), { code: 'PLAN_INVALID' });
      assert.equal(pipeline.definition, one);
      assert.deepEqual(pipeline.compiled().plan.order, ['a']);
    });
  });

  describe('when the first definition does not compile', () => {
    it('throws PLAN_INVALID', () => {
      assert.throws(() => new CompiledDefinition(broken), { code: 'PLAN_INVALID' });
    });
  });
});
