import { strict as assert } from 'node:assert';
import * as path from 'node:path';
import { nextStep, renderErrorAnalysis, type ErrorAnalysisInput } from '../../src/display/error-analysis';
import type { StageRecord, StoredError } from '../../src/records';
import { planOf } from './small-plan';

const NOW = Date.UTC(2024, 4, 1, 12, 0, 0);
const plan = planOf(
  'llm-checks',
  [['fetch', []], ['llm', ['fetch']]],
  { llm: { budgets: { tokens: 500 }, breaker: { key: 'llm-api', recoveryTimeoutMs: 300_000 }, timeoutMs: 20_000 } },
  { tokens: 5000 },
);

function failed(error: StoredError, codes: string[] = [error.code], usage: Record<string, number> = {}): StageRecord {
  return {
    stageId: 'llm',
    status: 'FAILED',
    attempts: codes.length,
    idempotencyKey: 'k',
    usage,
    validation: [],
    error,
    attemptLog: codes.map((code, i) => ({
      attempt: i + 1,
      startedAt: NOW - 10_000 + i * 3000,
      durationMs: 1200,
      outcome: 'failed' as const,
      code,
      ...(i < codes.length - 1 ? { delayMs: 1000 * 2 ** i } : {}),
    })),
  };
}

function input(record: StageRecord, extra: Partial<ErrorAnalysisInput> = {}): ErrorAnalysisInput {
  return { plan, stageId: 'llm', record, runUsage: { tokens: 1240 }, now: NOW, ...extra };
}

const RUN = "await wb.run('llm')";

describe('nextStep', () => {
  describe('when the circuit breaker is open', () => {
    const record = failed({ code: 'CIRCUIT_OPEN', errorClass: 'resource', message: 'open', data: { key: 'llm-api', halfOpenAtMs: NOW + 120_000 } });

    it('says to wait until it half-opens, from the breaker state', () => {
      const breaker = { key: 'llm-api', snapshot: { state: 'OPEN' as const, failures: 3, openedAt: NOW - 60_000 }, recoveryTimeoutMs: 300_000 };
      assert.deepEqual(nextStep(input(record, { breaker })), {
        advice: 'wait until the breaker `llm-api` half-opens at 2024-05-01T12:04:00Z (in 4 min), then re-run',
        call: RUN,
      });
    });

    it('falls back to the time in the error, and says when that time has passed', () => {
      assert.equal(nextStep(input(record)).advice, 'wait until the breaker `llm-api` half-opens at 2024-05-01T12:02:00Z (in 2 min), then re-run');
      assert.equal(
        nextStep(input(record, { now: NOW + 180_000 })).advice,
        'the breaker `llm-api` half-opened at 2024-05-01T12:02:00Z (1 min ago): re-run to let a probe through',
      );
    });
  });

  describe('when a budget is exhausted', () => {
    it('names the budget fields to raise, the exhausted one first', () => {
      const stage = failed({ code: 'BUDGET_EXHAUSTED', errorClass: 'resource', message: 'used up', data: { scope: 'stage', resource: 'tokens', used: 500, limit: 500 } });
      assert.deepEqual(nextStep(input(stage)), {
        advice: "raise the `tokens` budget (stage `budgets.tokens` = 500, or the pipeline's `budgets.tokens` = 5000), then re-run",
        call: RUN,
      });
      const global = failed({ code: 'BUDGET_EXHAUSTED', errorClass: 'resource', message: 'used up', data: { scope: 'global', resource: 'tokens', used: 5000, limit: 5000 } });
      assert.equal(nextStep(input(global)).advice, "raise the `tokens` budget (the pipeline's `budgets.tokens` = 5000, or stage `budgets.tokens` = 500), then re-run");
    });
  });

  describe('when every attempt timed out', () => {
    it('says to raise timeoutMs or honour the signal', () => {
      const record = failed({ code: 'STAGE_TIMEOUT', errorClass: 'transient', message: 'timed out', data: { timeoutMs: 20_000 } }, ['STAGE_TIMEOUT', 'STAGE_TIMEOUT', 'STAGE_TIMEOUT']);
      assert.deepEqual(nextStep(input(record)), {
        advice: 'the stage ran past its timeoutMs (20000 ms) on every attempt: raise `timeoutMs` or make the stage honour ctx.signal, then re-run',
        call: RUN,
      });
    });
  });

  describe('when validation failed', () => {
    it('names the rules', () => {
      const one = failed({ code: 'STAGE_VALIDATION_FAILED', errorClass: 'persistent', message: 'bad', data: { rules: ['no-nulls'] } });
      assert.deepEqual(nextStep(input(one)), { advice: 'fix the output: validation rule `no-nulls` failed, then re-run', call: RUN });
      const two = failed({ code: 'STAGE_VALIDATION_FAILED', errorClass: 'persistent', message: 'bad', data: { rules: ['no-nulls', 'schema'] } });
      assert.equal(nextStep(input(two)).advice, 'fix the output: validation rules `no-nulls`, `schema` failed, then re-run');
    });
  });

  describe('when the input is wrong', () => {
    it('says to fix the input', () => {
      const record = failed({ code: 'NON_RETRYABLE', errorClass: 'persistent', message: 'column `id` is missing' });
      assert.deepEqual(nextStep(input(record)), { advice: 'fix the input (the error says what is wrong), then re-run', call: RUN });
    });
  });

  describe("when the stage's code changed after the notebook loaded it", () => {
    it('says what the error says loads it again, then to re-run', () => {
      const record = failed({
        code: 'STAGE_CODE_STALE',
        errorClass: 'persistent',
        message: 'Stage `llm` would run code loaded before `lib/helper.ts` changed, and only the notebook can load it again: restart the kernel (the notebook loads `lib/helper.ts` again, but not `stages.ts`, which imports it)',
        data: { file: '/p/lib/helper.ts', module: '/p/stages.ts', remedy: 'restart the kernel (the notebook loads `lib/helper.ts` again, but not `stages.ts`, which imports it)' },
      });
      assert.deepEqual(nextStep(input(record)), {
        advice: "the stage's code changed after the notebook loaded it: restart the kernel (the notebook loads `lib/helper.ts` again, but not `stages.ts`, which imports it), then re-run",
        call: RUN,
      });
    });
    it('says to run the importing cell again or restart the kernel when the error does not say (an older record)', () => {
      const record = failed({ code: 'STAGE_CODE_STALE', errorClass: 'persistent', message: 'Stage `llm` would run code loaded before `stages.ts` changed' });
      assert.deepEqual(nextStep(input(record)), {
        advice: "the stage's code changed after the notebook loaded it: run the cell that imports the stage's code again, or restart the kernel, then re-run",
        call: RUN,
      });
    });
  });

  describe('when the stage has a bug', () => {
    it('says to fix the code and quotes the error', () => {
      const record = failed({
        code: 'STAGE_FAILED',
        errorClass: 'logic',
        message: "Cannot read properties of undefined (reading 'rows')",
        stack: "TypeError: Cannot read properties of undefined (reading 'rows')\n    at run (stages.ts:4:10)",
      });
      assert.deepEqual(nextStep(input(record)), {
        advice: "fix the code of stage `llm` (a bug: TypeError: Cannot read properties of undefined (reading 'rows')), then re-run",
        call: RUN,
      });
    });
  });

  describe('when a temporary fault outlasted the retries', () => {
    it('says to retry, with the prefix given', () => {
      const record = failed({ code: 'STAGE_FAILED', errorClass: 'transient', message: 'ECONNRESET' }, ['STAGE_FAILED', 'STAGE_FAILED', 'STAGE_FAILED']);
      assert.deepEqual(nextStep(input(record, { callPrefix: 'await pipeline.' })), {
        advice: 'the error looks temporary (3 attempts failed): retry; if it keeps failing, raise `retry.maxAttempts`',
        call: "await pipeline.run('llm')",
      });
    });
  });

  describe('when the stage has no error', () => {
    it('says what blocked it, or that there is nothing to do', () => {
      const blocked: StageRecord = { stageId: 'llm', status: 'BLOCKED', attempts: 0, idempotencyKey: 'k', reason: 'upstream `fetch` failed', usage: {}, validation: [], attemptLog: [] };
      assert.deepEqual(nextStep(input(blocked)), { advice: 'the stage was blocked (upstream `fetch` failed): fix that first, then re-run', call: RUN });
      assert.deepEqual(nextStep(input({ ...blocked, status: 'SUCCEEDED' })), { advice: 'stage `llm` has no error (it is SUCCEEDED)', call: '' });
    });
  });
});

describe('renderErrorAnalysis', () => {
  describe('when a temporary fault outlasted the retries', () => {
    const record = failed(
      { code: 'STAGE_FAILED', errorClass: 'transient', message: 'socket hang up', stack: ['Error: socket hang up', ...Array.from({ length: 20 }, (_, i) => `    at f${i} (x.ts:${i}:1)`)].join('\n') },
      ['STAGE_FAILED', 'STAGE_FAILED'],
      { tokens: 420 },
    );

    it('renders code, message, next step, attempts, budgets and a trimmed stack as text', () => {
      const text = renderErrorAnalysis(input(record)).text.split('\n');
      assert.deepEqual(text.slice(0, 13), [
        'stage `llm` failed: STAGE_FAILED (transient: temporary fault, retried)',
        'message: socket hang up',
        'next step: the error looks temporary (2 attempts failed): retry; if it keeps failing, raise `retry.maxAttempts`',
        "  await wb.run('llm')",
        '',
        'attempts:',
        '  attempt 1: failed after 1.2 s with STAGE_FAILED, waited 1.0 s',
        '  attempt 2: failed after 1.2 s with STAGE_FAILED',
        '',
        'budgets:',
        '  tokens: stage 420 / 500 (84%), run 1,240 / 5,000 (25%)',
        '',
        'stack (15 of 21 lines):',
      ]);
      assert.equal(text.length, 28);
      assert.equal(text[27], '  at f13 (x.ts:13:1)');
    });

    it('puts the stack in a collapsed, scrollable block and the call in its own block', () => {
      const { html } = renderErrorAnalysis(input(record));
      assert.ok(html.includes('<details'));
      assert.ok(html.includes('max-height:260px;overflow:auto'));
      assert.ok(html.includes('>await wb.run(&#39;llm&#39;)</pre>'));
      assert.ok(!html.includes('f15 ('));
    });
  });

  describe("when a bug in a notebook cell fails under dagbook's frames", () => {
    it("lists the stack with the user's frames first, the cell's without a line number", () => {
      const src = path.resolve(__dirname, '../../src');
      const stack = [
        'TypeError: x is undefined',
        `    at ${path.join(src, 'execute/stage-executor.ts')}:88:20`,
        `    at runAttempt (${path.join(src, 'execute/attempt.ts')}:40:11)`,
        '    at run (evalmachine.<anonymous>:11:62)',
      ].join('\n');
      const text = renderErrorAnalysis(input(failed({ code: 'STAGE_FAILED', errorClass: 'logic', message: 'x is undefined', stack }))).text.split('\n');
      assert.deepEqual(text.slice(text.indexOf('stack (4 of 4 lines; your 1 frame first):')), [
        'stack (4 of 4 lines; your 1 frame first):',
        '  TypeError: x is undefined',
        '  at run (cell code)',
        `  at ${path.join(src, 'execute/stage-executor.ts')}:88:20`,
        `  at runAttempt (${path.join(src, 'execute/attempt.ts')}:40:11)`,
      ]);
    });
  });

  describe('when the breaker is open', () => {
    it('shows its state and when it half-opens', () => {
      const record = failed({ code: 'CIRCUIT_OPEN', errorClass: 'resource', message: 'open' });
      const breaker = { key: 'llm-api', snapshot: { state: 'OPEN' as const, failures: 3, openedAt: NOW - 60_000 }, recoveryTimeoutMs: 300_000 };
      assert.ok(renderErrorAnalysis(input(record, { breaker })).text.includes('\nbreaker `llm-api`: OPEN, 3 failures, half-opens at 2024-05-01T12:04:00Z (in 4 min)\n'));
    });
  });
});
