import assert from 'node:assert/strict';
import type { ZodTypeAny } from 'zod';
import {
  breakerOptionsSchema,
  budgetOptionsSchema,
  failurePolicySchema,
  globalBudgetSchema,
  maxParallelSchema,
  pipelineFileSchema,
  retryOptionsSchema,
  stageIdSchema,
  timeoutMsSchema,
} from '../../src/definition/schema';
import { planIssuesFromZod } from '../../src/definition/zod-issues';

/** The messages a schema gives for a value, or [] when it accepts it. */
function messages(schema: ZodTypeAny, value: unknown): string[] {
  const result = schema.safeParse(value);
  return result.success ? [] : planIssuesFromZod(result.error, value).map((i) => i.message);
}

describe('schema', () => {
  describe('policy schemas', () => {
    const accepted: [string, ZodTypeAny, unknown][] = [
      ['retry at the edges', retryOptionsSchema, { maxAttempts: 1, baseDelayMs: 0, maxDelayMs: 0, jitter: 1, minDelayMs: 0, retryOn: ['logic'] }],
      ['a delay schedule with a zero delay', retryOptionsSchema, { maxAttempts: 4, delaysMs: [0, 30000, 300000], jitter: 0.1, minDelayMs: 0 }],
      ['a breaker', breakerOptionsSchema, { key: 'llm', failureThreshold: 1, recoveryTimeoutMs: 0 }],
      ['a budget of 1 with ratio 1', budgetOptionsSchema, { limit: 1, criticalRatio: 1 }],
      ['a budget as a number', globalBudgetSchema, 0.5],
      ['a timeout of 0', timeoutMsSchema, 0],
      ['maxParallel 1', maxParallelSchema, 1],
      ['an id with all allowed characters', stageIdSchema, 'Az09_.-'],
    ];
    for (const [label, schema, value] of accepted) {
      describe(`when given ${label}`, () => {
        it('accepts it', () => assert.deepEqual(messages(schema, value), []));
      });
    }

    const rejected: [string, ZodTypeAny, unknown, string][] = [
      ['maxAttempts 0', retryOptionsSchema, { maxAttempts: 0 }, 'Expected `maxAttempts` to be an integer >= 1, got `0`'],
      ['maxAttempts 1.5', retryOptionsSchema, { maxAttempts: 1.5 }, 'Expected `maxAttempts` to be an integer >= 1, got `1.5`'],
      ['a negative delay', retryOptionsSchema, { maxDelayMs: -1 }, 'Expected `maxDelayMs` to be a number >= 0, got `-1`'],
      ['jitter below 0', retryOptionsSchema, { jitter: -0.1 }, 'Expected `jitter` to be a number from 0 to 1, got `-0.1`'],
      ['an unknown error class', retryOptionsSchema, { retryOn: ['flaky'] }, 'Expected `retryOn.0` to be one of `transient`, `persistent`, `resource`, `logic`, got `"flaky"`'],
      ['an empty delay schedule', retryOptionsSchema, { delaysMs: [] }, 'Expected `delaysMs` to be an array of at least one delay in ms, got `[]`'],
      ['a negative scheduled delay', retryOptionsSchema, { delaysMs: [5000, -1] }, 'Expected `delaysMs.1` to be a number >= 0, got `-1`'],
      ['a delay schedule as a number', retryOptionsSchema, { delaysMs: 5000 }, 'Expected `delaysMs` to be an array of delays in ms, got `5000`'],
      [
        'a delay schedule with baseDelayMs',
        retryOptionsSchema,
        { delaysMs: [5000, 30000], baseDelayMs: 5000 },
        'Expected `delaysMs` to be left out when `baseDelayMs` is set (a delay schedule replaces the exponential backoff: keep one or the other), got `[5000,30000]`',
      ],
      [
        'a delay schedule with baseDelayMs and maxDelayMs',
        retryOptionsSchema,
        { delaysMs: [5000], baseDelayMs: 5000, maxDelayMs: 300000 },
        'Expected `delaysMs` to be left out when `baseDelayMs` and `maxDelayMs` are set (a delay schedule replaces the exponential backoff: keep one or the other), got `[5000]`',
      ],
      ['failureThreshold 0', breakerOptionsSchema, { failureThreshold: 0 }, 'Expected `failureThreshold` to be an integer >= 1, got `0`'],
      ['an empty breaker key', breakerOptionsSchema, { key: '' }, 'Expected `key` to be a non-empty string, got `""`'],
      ['criticalRatio 0', budgetOptionsSchema, { limit: 1, criticalRatio: 0 }, 'Expected `criticalRatio` to be a number > 0 and <= 1, got `0`'],
      ['a budget of 0', globalBudgetSchema, 0, 'Expected the definition to be a number > 0, got `0`'],
      ['an infinite budget', globalBudgetSchema, Infinity, 'Expected the definition to be a number > 0, got `Infinity`'],
      ['a budget as a string', globalBudgetSchema, '5', 'Expected the definition to be a number > 0 or an object `{ limit, criticalRatio? }`, got `"5"`'],
      ['a negative timeout', timeoutMsSchema, -1, 'Expected the definition to be a number >= 0, got `-1`'],
      ['maxParallel 0', maxParallelSchema, 0, 'Expected the definition to be an integer >= 1, got `0`'],
      ['an unknown failure policy', failurePolicySchema, 'stop', 'Expected the definition to be one of `fail-fast`, `keep-going`, got `"stop"`'],
      ['an id with a slash', stageIdSchema, 'a/b', 'Expected the definition to be an id of letters, digits, `_`, `-` or `.`, got `"a/b"`'],
      ['the id ..', stageIdSchema, '..', 'Expected the definition to be an id of letters, digits, `_`, `-` or `.`, got `".."`'],
    ];
    for (const [label, schema, value, message] of rejected) {
      describe(`when given ${label}`, () => {
        it('rejects it naming the field and the value', () => assert.deepEqual(messages(schema, value), [message]));
      });
    }
  });

  describe('pipelineFileSchema', () => {
    describe('when stages are an array', () => {
      it('names a stage by its id in issue paths', () => {
        const input = { name: 'p', stages: [{ id: 'load', fn: './s#load', timeoutMs: -1 }, { fn: './s#x' }] };
        const result = pipelineFileSchema.safeParse(input);
        assert.equal(result.success, false);
        assert.deepEqual(
          planIssuesFromZod(result.error!, input).map((i) => [i.code, i.path, i.message]),
          [
            ['PLAN_INVALID_POLICY', 'stages.load.timeoutMs', 'Expected `stages.load.timeoutMs` to be a number >= 0, got `-1`'],
            ['PLAN_INVALID_FIELD', 'stages.1.id', 'Missing required field `stages.1.id`: expected a string'],
          ],
        );
      });
    });

    describe('when a stage key is not a valid id', () => {
      it('reports the key', () => {
        const input = { name: 'p', stages: { 'bad id': { fn: './s#x' } } };
        assert.deepEqual(messages(pipelineFileSchema, input), ['Expected the stage id "bad id" to be an id of letters, digits, `_`, `-` or `.`']);
      });
    });

    describe('when fields are unknown', () => {
      it('reports each with a suggestion', () => {
        const input = { name: 'p', maxParalel: 2, stages: { a: { fn: './s#a', retry: { maxAttemps: 2 }, run: 'x' } } };
        assert.deepEqual(messages(pipelineFileSchema, input), [
          'Unknown field `stages.a.retry.maxAttemps`; did you mean `maxAttempts`?',
          'Unknown field `stages.a.run`',
          'Unknown field `maxParalel`; did you mean `maxParallel`?',
        ]);
      });
    });

    describe('when fn is not `module#export`', () => {
      it('says what is expected', () => {
        assert.deepEqual(messages(pipelineFileSchema, { name: 'p', stages: { a: { fn: 'stages.load' } } }), [
          'Expected `stages.a.fn` to be `module#export`, e.g. `./stages#typing`, got `"stages.load"`',
        ]);
      });
    });

    describe('when a stage sets isolation', () => {
      it('accepts none and thread, and names the choices otherwise', () => {
        assert.deepEqual(messages(pipelineFileSchema, { name: 'p', stages: { a: { fn: './s#a', isolation: 'thread' }, b: { fn: './s#b', isolation: 'none' } } }), []);
        assert.deepEqual(messages(pipelineFileSchema, { name: 'p', stages: { a: { fn: './s#a', isolation: 'worker' } } }), [
          'Expected `stages.a.isolation` to be one of `none`, `thread`, got `"worker"`',
        ]);
      });
    });

    describe('when the file sets $schema', () => {
      it('accepts it', () => {
        assert.equal(pipelineFileSchema.safeParse({ $schema: './pipeline.schema.json', name: 'p', stages: {} }).success, true);
      });
    });
  });
});
