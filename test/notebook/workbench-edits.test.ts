import { strict as assert } from 'node:assert';
import type { PipelineDefinition } from '../../src/definition/types';
import { withEdit, withParams, withStage } from '../../src/notebook/workbench-edits';

const run = () => 1;
const other = () => 2;

const definition: PipelineDefinition = {
  name: 'edits',
  stages: [
    { id: 'a', run },
    { id: 'b', deps: ['a'], params: { n: 1, keep: true }, run },
  ],
};

describe('workbench edits', () => {
  describe('withStage', () => {
    describe('when a stage has the id', () => {
      it('replaces it in place and leaves the definition given unchanged', () => {
        const next = withStage(definition, { id: 'a', run: other });
        assert.deepEqual(next, { name: 'edits', stages: [{ id: 'a', run: other }, definition.stages[1]] });
        assert.equal(definition.stages[0].run, run);
      });
    });

    describe('when no stage has the id', () => {
      it('adds it after the others', () => {
        const next = withStage(definition, { id: 'c', deps: ['b'], run: other });
        assert.deepEqual(next.stages.map((s) => s.id), ['a', 'b', 'c']);
      });
    });
  });

  describe('withParams', () => {
    describe('when the stage exists', () => {
      it('merges the params into its own', () => {
        const next = withParams(definition, 'b', { n: 2, extra: 'x' });
        assert.deepEqual(next?.stages[1], { id: 'b', deps: ['a'], params: { n: 2, keep: true, extra: 'x' }, run });
      });

      it('gives a stage without params the ones given', () => {
        assert.deepEqual(withParams(definition, 'a', { n: 3 })?.stages[0], { id: 'a', run, params: { n: 3 } });
      });
    });

    describe('when there is no such stage', () => {
      it('returns undefined', () => {
        assert.equal(withParams(definition, 'nope', { n: 2 }), undefined);
      });
    });
  });

  describe('withEdit', () => {
    describe('when a stage is edited in several ways, some more than once', () => {
      it('lists each kind once per stage, in the order first made, leaving the edits given unchanged', () => {
        const first = withEdit({}, 'b', 'params');
        const edits = withEdit(withEdit(withEdit(first, 'a', 'stage'), 'b', 'stage'), 'b', 'params');
        assert.deepEqual(edits, { b: ['params', 'stage'], a: ['stage'] });
        assert.deepEqual(first, { b: ['params'] });
      });
    });
  });
});
