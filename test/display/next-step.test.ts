import { strict as assert } from 'node:assert';
import { nextStep, rerunCall, type ErrorAnalysisInput } from '../../src/display/next-step';
import type { StageRecord } from '../../src/records';
import { periodPlanOf } from './period-plan';
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

  describe('when a period checkpoint no longer matches its state', () => {
    const periodPlan = periodPlanOf('workforce', { name: 'year', keys: ['2025', '2026', '2027'] }, [['hires', 'per']]);
    const corrupt: StageRecord = {
      ...bug,
      stageId: 'checkpoint@2026',
      error: { code: 'CHECKPOINT_CORRUPT', errorClass: 'persistent', message: 'The checkpoint of year 2026 does not match its state', data: { period: '2026', parts: ['workforce', 'events'] } },
    };
    const corruptInput = (extra: Partial<ErrorAnalysisInput> = {}) => input({ plan: periodPlan, stageId: 'checkpoint@2026', record: corrupt, ...extra });

    it('says to re-run from that period with force, with the workbench call', () => {
      assert.deepEqual(nextStep(corruptInput()), {
        advice: 'the state year 2026 wrote no longer matches its checkpoint (`workforce`, `events` differ): re-run from year 2026 with force, which rebuilds it and every later year',
        call: 'await wb.run(undefined, { fromPeriod: 2026, force: true })',
      });
    });

    it('gives the dagbook command with --from-period and --force on the command line', () => {
      assert.equal(
        nextStep(corruptInput({ target: { kind: 'cli', pipelineFile: 'pipelines/workforce.yaml', stateDir: 'state' } })).call,
        'npx dagbook run pipelines/workforce.yaml --from-period 2026 --force --state-dir state',
      );
    });

    it('keeps a period declared as a string a string, and reads the period from the stage when the error names none', () => {
      const quarters = { ...periodPlan, periods: { name: 'quarter', keys: ['2025', '2026', '2027'], values: ['2025', '2026', '2027'], stateHash: true } };
      const bare: StageRecord = { ...corrupt, error: { code: 'CHECKPOINT_CORRUPT', errorClass: 'persistent', message: 'x' } };
      assert.deepEqual(nextStep(corruptInput({ plan: quarters, record: bare })), {
        advice: 'the state quarter 2026 wrote no longer matches its checkpoint: re-run from quarter 2026 with force, which rebuilds it and every later quarter',
        call: "await wb.run(undefined, { fromPeriod: '2026', force: true })",
      });
    });
  });

  describe("when a resumed run's checkpoints no longer match each other", () => {
    it('says to start a new run', () => {
      const record: StageRecord = { ...bug, error: { code: 'CHECKPOINT_CORRUPT', errorClass: 'persistent', message: 'x', data: { runId: 'r1' } } };
      assert.deepEqual(nextStep(input({ record })), {
        advice: "the interrupted run's checkpoints no longer match each other: start a new run instead of resuming it",
        call: "await wb.run('clean')",
      });
    });
  });
});
