import { strict as assert } from 'node:assert';
import { nextStep, rerunCall, type ErrorAnalysisInput } from '../../src/display/next-step';
import type { StageRecord } from '../../src/records';
import { planOf } from './small-plan';

const NOW = Date.UTC(2024, 4, 1, 12, 0, 0);
const plan = planOf('orders', [['load', []], ['clean', ['load']]]);

const bug: StageRecord = {
  stageId: 'clean',
  status: 'FAILED',
  attempts: 1,
  idempotencyKey: 'k',
  usage: {},
  validation: [],
  error: { code: 'STAGE_FAILED', errorClass: 'logic', message: 'x is not a function', stack: 'TypeError: x is not a function\n    at clean (stages.ts:3:5)' },
  attemptLog: [{ attempt: 1, startedAt: NOW - 1000, durationMs: 12, outcome: 'failed', code: 'STAGE_FAILED' }],
};

function input(extra: Partial<ErrorAnalysisInput> = {}): ErrorAnalysisInput {
  return { plan, stageId: 'clean', record: bug, runUsage: {}, now: NOW, ...extra };
}

describe('nextStep', () => {
  describe('when the target is a notebook (the default)', () => {
    it('gives the workbench call', () => {
      assert.deepEqual(nextStep(input()), {
        advice: 'fix the code of stage `clean` (a bug: TypeError: x is not a function), then re-run',
        call: "await wb.run('clean')",
      });
      assert.equal(nextStep(input({ target: { kind: 'notebook' } })).call, "await wb.run('clean')");
    });
  });

  describe('when the target is the command line', () => {
    it('gives the dagbook command with the pipeline file as it was named', () => {
      assert.deepEqual(nextStep(input({ target: { kind: 'cli', pipelineFile: 'pipelines/example.yaml' } })), {
        advice: 'fix the code of stage `clean` (a bug: TypeError: x is not a function), then re-run',
        call: 'npx dagbook run pipelines/example.yaml clean',
      });
    });

    it('keeps the state folder it was given, and quotes words the shell would split', () => {
      assert.equal(
        rerunCall({ stageId: 'clean', target: { kind: 'cli', pipelineFile: 'my pipelines/o.yaml', stateDir: "/tmp/it's" } }),
        "npx dagbook run 'my pipelines/o.yaml' clean --state-dir '/tmp/it'\\''s'",
      );
    });
  });
});
