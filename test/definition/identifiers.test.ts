import assert from 'node:assert/strict';
import { loadPipelineText } from '../../src/definition/load-file';
import { hasErrorCode, type DagbookError, type PlanIssue } from '../../src/errors';
import { MAX_NAME_LENGTH } from '../../src/limits';
import { compilePipeline } from '../../src/plan/compile';
import { statePaths } from '../../src/store/state-paths';

const run = () => 1;
const RESERVED = 'a name that is not a property of every JavaScript object (`__proto__`, `constructor`, `prototype`, `toString`, ...)';

function issuesOf(fn: () => unknown): PlanIssue[] {
  try {
    fn();
  } catch (e) {
    assert.ok(hasErrorCode(e, 'PLAN_INVALID'), `expected PLAN_INVALID, got ${String(e)}`);
    return (e as DagbookError).data.issues as PlanIssue[];
  }
  assert.fail('expected a PLAN_INVALID error');
}

describe('stage ids and names', () => {
  describe('when a stage of the TS API has an id every object has', () => {
    for (const id of ['__proto__', 'constructor', 'prototype', 'hasOwnProperty', 'toString']) {
      it(`refuses \`${id}\`, naming the id and the stage position`, () => {
        assert.deepEqual(issuesOf(() => compilePipeline({ name: 'p', stages: [{ id: 'a', run }, { id, deps: ['a'], run }] })), [
          { code: 'PLAN_INVALID_FIELD', path: 'stages.1.id', message: `Expected \`stages.1.id\` to be ${RESERVED}, got \`${JSON.stringify(id)}\`` },
        ]);
      });
    }
  });

  describe('when a pipeline file keys a stage by a reserved id', () => {
    it('refuses each one, in YAML and in JSON, instead of dropping it', () => {
      const expected = (id: string): PlanIssue => ({
        code: 'PLAN_INVALID_FIELD',
        path: `stages.${id}`,
        message: `Expected the stage id "${id}" to be ${RESERVED}`,
        stageId: id,
      });
      const yaml = 'name: p\nstages:\n  __proto__: { fn: "./x#y" }\n  toString: { fn: "./x#y" }\n';
      assert.deepEqual(issuesOf(() => loadPipelineText(yaml, { source: 'p.yaml', baseDir: __dirname })), [expected('__proto__'), expected('toString')]);
      const json = '{"name": "p", "stages": {"__proto__": {"fn": "./x#y"}}}';
      assert.deepEqual(issuesOf(() => loadPipelineText(json, { source: 'p.json', baseDir: __dirname })), [expected('__proto__')]);
    });
  });

  describe('when the pipeline name and a stage id are too long', () => {
    it('refuses both at the definition, with the limit the state folder uses', () => {
      const name = 'n'.repeat(5000);
      assert.throws(() => statePaths('/tmp', name), (e: unknown) => hasErrorCode(e, 'INVALID_OPTION'));
      assert.doesNotThrow(() => statePaths('/tmp', 'n'.repeat(MAX_NAME_LENGTH)));
      assert.deepEqual(issuesOf(() => compilePipeline({ name, stages: [{ id: 'i'.repeat(201), run }] })), [
        { code: 'PLAN_INVALID_FIELD', path: 'name', message: `Expected \`name\` to be a name of at most 200 characters, got \`"${'n'.repeat(40)}"... (5000 characters)\`` },
        { code: 'PLAN_INVALID_FIELD', path: 'stages.0.id', message: `Expected \`stages.0.id\` to be an id of at most 200 characters, got \`"${'i'.repeat(40)}"... (201 characters)\`` },
      ]);
    });
  });

  describe('when the pipeline name starts with a dash', () => {
    it('refuses it as the state folder would', () => {
      assert.deepEqual(issuesOf(() => compilePipeline({ name: '-p', stages: [] })), [
        { code: 'PLAN_INVALID_FIELD', path: 'name', message: 'Expected `name` to be a name of letters, digits, `_`, `-` or `.`, not starting with `.` or `-`, got `"-p"`' },
      ]);
    });
  });

  describe('when budgets and secrets are keyed by reserved names', () => {
    it('refuses each key', () => {
      const issues = issuesOf(() =>
        compilePipeline({ name: 'p', budgets: { constructor: 5 }, secrets: { toString: 's' }, stages: [{ id: 'a', run, budgets: { valueOf: 1 } }] }),
      );
      assert.deepEqual(issues, [
        { code: 'PLAN_INVALID_POLICY', path: 'budgets.constructor', message: `Expected the resource name "constructor" to be ${RESERVED}` },
        { code: 'PLAN_INVALID_POLICY', path: 'stages.a.budgets.valueOf', message: `Expected the resource name "valueOf" to be ${RESERVED}`, stageId: 'a' },
        { code: 'PLAN_INVALID_FIELD', path: 'secrets.toString', message: `Expected the secret name "toString" to be ${RESERVED}` },
      ]);
    });
  });
});
