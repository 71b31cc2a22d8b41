import assert from 'node:assert/strict';
import fc from 'fast-check';
import type { StageDefinition } from '../../src/definition/types';
import { hasErrorCode } from '../../src/errors';
import { compilePipeline } from '../../src/plan/compile';
import type { Plan } from '../../src/plan/plan';
import { assertOutputsAvailable, selectStages } from '../../src/plan/select';

const run = () => null;

function planOf(stages: Omit<StageDefinition, 'run'>[]): Plan {
  return compilePipeline({ name: 'p', stages: stages.map((s) => ({ ...s, run })) }).plan;
}

/**
 *   load -> typing -> stats -> quality -> report
 *                  \-> relations --------/
 *   other (unrelated)
 */
const plan = planOf([
  { id: 'load' },
  { id: 'typing', deps: ['load'] },
  { id: 'stats', deps: ['typing'] },
  { id: 'relations', deps: ['typing'] },
  { id: 'quality', deps: ['stats'] },
  { id: 'report', deps: ['quality', 'relations'] },
  { id: 'other' },
]);

describe('selectStages', () => {
  describe('when the selection is empty', () => {
    it('selects every stage in plan order', () => {
      assert.deepEqual(selectStages(plan, {}), {
        stages: ['load', 'typing', 'stats', 'relations', 'quality', 'report', 'other'],
        disabled: [],
        blocked: {},
        requiresOutputsOf: [],
      });
    });
  });

  describe('when given a target', () => {
    it('selects the target and everything upstream of it', () => {
      assert.deepEqual(selectStages(plan, { target: 'quality' }).stages, ['load', 'typing', 'stats', 'quality']);
    });

    it('takes the union of several targets', () => {
      assert.deepEqual(selectStages(plan, { target: ['stats', 'other'] }).stages, ['load', 'typing', 'stats', 'other']);
    });
  });

  describe('when given from', () => {
    it('selects the stage and everything downstream, requiring the outputs of its deps', () => {
      assert.deepEqual(selectStages(plan, { from: 'stats' }), {
        stages: ['stats', 'quality', 'report'],
        disabled: [],
        blocked: {},
        requiresOutputsOf: ['typing', 'relations'],
      });
    });
  });

  describe('when given downstreamOf', () => {
    it('selects what is downstream, without the stage itself', () => {
      assert.deepEqual(selectStages(plan, { downstreamOf: 'typing' }), {
        stages: ['stats', 'relations', 'quality', 'report'],
        disabled: [],
        blocked: {},
        requiresOutputsOf: ['typing'],
      });
    });
  });

  describe('when given only', () => {
    it('selects exactly those stages and lists the deps whose outputs must exist', () => {
      assert.deepEqual(selectStages(plan, { only: ['report', 'stats'] }), {
        stages: ['stats', 'report'],
        disabled: [],
        blocked: {},
        requiresOutputsOf: ['typing', 'relations', 'quality'],
      });
    });
  });

  describe('when given several criteria', () => {
    it('selects their intersection', () => {
      assert.deepEqual(selectStages(plan, { from: 'typing', target: 'quality' }).stages, ['typing', 'stats', 'quality']);
    });
  });

  describe('when a stage is disabled', () => {
    const withDisabled = planOf([
      { id: 'load' },
      { id: 'typing', deps: ['load'], enabled: false },
      { id: 'stats', deps: ['typing'] },
      { id: 'report', deps: ['stats'] },
      { id: 'other', deps: ['load'] },
    ]);

    it('does not run it and blocks its transitive dependents', () => {
      assert.deepEqual(selectStages(withDisabled, {}), {
        stages: ['load', 'other'],
        disabled: ['typing'],
        blocked: { stats: 'upstream `typing` is disabled', report: 'upstream `typing` is disabled' },
        requiresOutputsOf: [],
      });
    });

    it('blocks a selected stage whose disabled dep lies outside the selection', () => {
      assert.deepEqual(selectStages(withDisabled, { only: 'stats' }), {
        stages: [],
        disabled: [],
        blocked: { stats: 'upstream `typing` is disabled' },
        requiresOutputsOf: [],
      });
    });
  });

  describe('when a disabled stage has skipThrough', () => {
    const skipping = planOf([
      { id: 'load' },
      { id: 'enrich', deps: ['load'], enabled: false, skipThrough: true },
      { id: 'report', deps: ['enrich', 'load'] },
    ]);

    it('lets its dependents run without requiring its output', () => {
      assert.deepEqual(selectStages(skipping, {}), { stages: ['load', 'report'], disabled: ['enrich'], blocked: {}, requiresOutputsOf: [] });
      assert.deepEqual(selectStages(skipping, { only: 'report' }).requiresOutputsOf, ['load']);
    });
  });

  describe('when a stage name is unknown', () => {
    it('throws SELECTION_UNKNOWN_STAGE naming every unknown stage with a suggestion', () => {
      assert.throws(
        () => selectStages(plan, { target: ['typng', 'report'], only: 'nothing-like-it' }),
        (e: unknown) =>
          hasErrorCode(e, 'SELECTION_UNKNOWN_STAGE') &&
          e.message === 'Unknown stages in the selection: `typng`; did you mean `typing`?, `nothing-like-it`' &&
          JSON.stringify(e.data.unknown) === '["typng","nothing-like-it"]',
      );
    });
  });

  describe('when a criterion is not a stage id', () => {
    it('throws INVALID_OPTION', () => {
      assert.throws(
        () => selectStages(plan, { target: 3 as unknown as string }),
        (e: unknown) => hasErrorCode(e, 'INVALID_OPTION') && e.message === 'Expected `target` to be a stage id or an array of stage ids, got `3`',
      );
    });
  });

  describe('when the plan is a random DAG', () => {
    const randomPlans = fc.integer({ min: 1, max: 10 }).chain((n) =>
      fc
        .array(fc.tuple(fc.nat(n - 1), fc.nat(n - 1)), { maxLength: 3 * n })
        .map((edges) => {
          const deps: string[][] = Array.from({ length: n }, () => []);
          for (const [a, b] of edges) if (a !== b && !deps[Math.max(a, b)].includes(`s${Math.min(a, b)}`)) deps[Math.max(a, b)].push(`s${Math.min(a, b)}`);
          return planOf(deps.map((d, i) => ({ id: `s${i}`, deps: d })));
        })
        .chain((p) => fc.tuple(fc.constant(p), fc.constantFrom(...p.order))),
    );
    const closure = (p: Plan, start: string, next: (id: string) => readonly string[]) => {
      const seen = new Set([start]);
      const queue = [start];
      while (queue.length > 0) for (const n of next(queue.shift()!)) if (!seen.has(n)) (seen.add(n), queue.push(n));
      return p.order.filter((id) => seen.has(id));
    };

    it('a target selects exactly the stage and its upstream closure', () => {
      fc.assert(
        fc.property(randomPlans, ([p, id]) => {
          const selection = selectStages(p, { target: id });
          assert.deepEqual(selection.stages, closure(p, id, (s) => p.stages[s].deps));
          assert.deepEqual(selection.requiresOutputsOf, []);
        }),
      );
    });

    it('from selects exactly the stage and its downstream closure, requiring the outside deps', () => {
      fc.assert(
        fc.property(randomPlans, ([p, id]) => {
          const selection = selectStages(p, { from: id });
          const expected = closure(p, id, (s) => p.stages[s].dependents);
          assert.deepEqual(selection.stages, expected);
          const outside = p.order.filter((s) => !expected.includes(s) && expected.some((x) => p.stages[x].deps.includes(s)));
          assert.deepEqual(selection.requiresOutputsOf, outside);
        }),
      );
    });
  });
});

describe('assertOutputsAvailable', () => {
  describe('when nothing is missing', () => {
    it('returns', () => {
      assert.equal(assertOutputsAvailable([], ['report']), undefined);
    });
  });

  describe('when outputs are missing', () => {
    it('throws SELECTION_MISSING_OUTPUTS naming them and who needs them', () => {
      assert.throws(
        () => assertOutputsAvailable(['typing', 'quality'], ['report']),
        (e: unknown) =>
          hasErrorCode(e, 'SELECTION_MISSING_OUTPUTS') &&
          e.message === 'No stored outputs for `typing`, `quality`, needed by `report`: run them first or add them to the selection' &&
          JSON.stringify(e.data) === '{"missing":["typing","quality"],"neededBy":["report"]}',
      );
    });
  });
});
