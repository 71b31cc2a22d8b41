import { strict as assert } from 'node:assert';
import * as path from 'node:path';
import { orderStack } from '../../src/display/stack-frames';

/** A stack as a notebook stage's bug leaves it: 2 frames in the cell, 9 in dagbook and Node. */
const CELL_BUG = [
  "TypeError: Cannot read properties of undefined (reading 'rows')",
  '    at run (evalmachine.<anonymous>:11:62)',
  '    at /home/ana/dagbook/src/execute/stage-executor.ts:88:20',
  '    at runAttempt (/home/ana/dagbook/src/execute/attempt.ts:40:11)',
  '    at async Promise.all (index 0)',
  '    at withTimeout (/home/ana/dagbook/src/execute/timeout.ts:21:5)',
  '    at helper (/home/ana/project/stages/clean.ts:7:3)',
  '    at new Promise (<anonymous>)',
  '    at Object.next (/home/ana/dagbook/node_modules/tsx/dist/x.js:1:1)',
  '    at process.processTicksAndRejections (node:internal/process/task_queues:95:5)',
  '    at retry (/home/ana/dagbook/src/execute/retry.ts:12:9)',
  '    at file:///home/ana/dagbook/src/run/stage-run.ts:30:7',
].join('\n');

describe('orderStack', () => {
  describe("when a cell's stage fails inside dagbook's calls", () => {
    it("puts the user's frames first, the cell's read as cell code without a line", () => {
      assert.deepEqual(orderStack(CELL_BUG, path.normalize('/home/ana/dagbook/src')), {
        head: ["TypeError: Cannot read properties of undefined (reading 'rows')"],
        user: ['at run (cell code)', 'at helper (/home/ana/project/stages/clean.ts:7:3)'],
        library: [
          'at /home/ana/dagbook/src/execute/stage-executor.ts:88:20',
          'at runAttempt (/home/ana/dagbook/src/execute/attempt.ts:40:11)',
          'at async Promise.all (index 0)',
          'at withTimeout (/home/ana/dagbook/src/execute/timeout.ts:21:5)',
          'at new Promise (<anonymous>)',
          'at Object.next (/home/ana/dagbook/node_modules/tsx/dist/x.js:1:1)',
          'at process.processTicksAndRejections (node:internal/process/task_queues:95:5)',
          'at retry (/home/ana/dagbook/src/execute/retry.ts:12:9)',
          'at file:///home/ana/dagbook/src/run/stage-run.ts:30:7',
        ],
      });
    });
  });

  describe('when the stack has no frame', () => {
    it('is all head', () => {
      assert.deepEqual(orderStack('Error: boom\n  detail'), { head: ['Error: boom', 'detail'], user: [], library: [] });
    });
  });
});
