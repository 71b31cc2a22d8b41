import assert from 'node:assert/strict';
import { paramValueProblems } from '../../src/definition/param-values';
import type { DagbookError, PlanIssue } from '../../src/errors';
import { compilePipeline } from '../../src/plan/compile';

function nested(levels: number): unknown {
  let value: unknown = 1;
  for (let i = 0; i < levels; i++) value = [value];
  return value;
}

describe('paramValueProblems', () => {
  describe('when the value is JSON data within the limits', () => {
    it('finds nothing, at exactly 64 levels too', () => {
      assert.deepEqual(paramValueProblems({ a: [1, 'x', null, { b: true }] }), []);
      assert.deepEqual(paramValueProblems(nested(64)), []);
    });
  });

  describe('when the value is nested 3,000 levels deep', () => {
    it('measures it without overflowing the stack', () => {
      const value = nested(3000);
      assert.deepEqual(paramValueProblems(value), [{ path: [], expectation: 'nested at most 64 levels deep', received: value, got: '3000 levels' }]);
    });
  });

  describe('when shared parts expand past the value limit', () => {
    it('counts each part as often as a JSON copy would write it', () => {
      let value: unknown[] = [1, 2];
      for (let i = 0; i < 20; i++) value = [value, value];
      // [1, 2] is 3 values; each level doubles the one below and adds itself.
      const problems = paramValueProblems(value).map((p) => ({ ...p, received: p.received === value }));
      assert.deepEqual(problems, [{ path: [], expectation: 'at most 100000 values', received: true, got: `${4 * 2 ** 20 - 1} values` }]);
    });
  });

  describe('when the value has a cycle and a __proto__ key', () => {
    it('names the path of each', () => {
      const cyclic: Record<string, unknown> = { a: 1 };
      cyclic.self = cyclic;
      const withProto = JSON.parse('{"__proto__": 1}') as unknown;
      assert.deepEqual(paramValueProblems({ cyclic, withProto }), [
        { path: ['cyclic', 'self'], expectation: 'JSON data without reference cycles', received: cyclic, got: 'a reference to an enclosing value' },
        { path: ['withProto', '__proto__'], expectation: 'JSON data without a `__proto__` key', received: 1 },
      ]);
    });
  });
});

describe('compilePipeline (params)', () => {
  describe('when a param is nested 3,000 levels deep', () => {
    it('reports PLAN_INVALID naming the stage, the param and the depth', () => {
      const run = () => 1;
      try {
        compilePipeline({ name: 'p', stages: [{ id: 'a', run, params: { deep: nested(3000) } }] });
        assert.fail('expected PLAN_INVALID');
      } catch (e) {
        assert.deepEqual((e as DagbookError).data.issues as PlanIssue[], [
          { code: 'PLAN_INVALID_FIELD', path: 'stages.a.params.deep', message: 'Expected `stages.a.params.deep` to be nested at most 64 levels deep, got `3000 levels`', stageId: 'a' },
        ]);
      }
    });
  });
});
