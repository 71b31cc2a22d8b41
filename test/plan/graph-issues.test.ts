import assert from 'node:assert/strict';
import { graphIssues } from '../../src/graph/graph-issues';

describe('graphIssues', () => {
  describe('when stage ids name properties every object has', () => {
    it('still finds their cycle and their unknown deps', () => {
      assert.deepEqual(
        graphIssues([
          { id: '__proto__', deps: ['constructor'] },
          { id: 'constructor', deps: ['__proto__', 'toString'] },
        ]),
        [
          {
            code: 'PLAN_UNKNOWN_DEP',
            path: 'stages.constructor.deps.1',
            message: 'Stage `constructor` depends on `toString`, which is not a stage',
            stageId: 'constructor',
          },
          {
            code: 'PLAN_CYCLE',
            path: 'stages.__proto__.deps',
            message: 'The dependencies form a cycle: `__proto__ -> constructor -> __proto__`',
            stageId: '__proto__',
          },
        ],
      );
    });
  });
});
