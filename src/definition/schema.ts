import { z } from 'zod';
import { environmentNameProblem, mapKeySchema, pipelineNameSchema, stageIdProblem, stageIdSchema } from './identifiers';
import { FN_REFERENCE_PATTERN } from '../fn-reference';
import { paramValueProblems } from './param-values';
import { alertsSchema } from './alerts-schema';
import type { PeriodStateHash, StageFn, ValidationRule } from './types';
import { MAX_PERIOD_KEY_LENGTH, MAX_PERIODS, PERIOD_KEY_PATTERN } from '../limits';

/**
 * Zod schemas for pipeline definitions, at the two boundaries: the TS API
 * (checked by `compilePipeline`) and the file format (YAML or JSON, checked by
 * `loadPipelineFile`). Both build on the same policy schemas, so a policy value
 * is held to the same rule whichever way it arrives.
 *
 * Every message is an *expectation* (`an integer >= 1`); `zod-issues.ts` turns
 * it into a sentence naming the field and the value received.
 */

export { isValidStageId, STAGE_ID_PATTERN, stageIdSchema } from './identifiers';


function integerAtLeast(min: number) {
  const expectation = `an integer >= ${min}`;
  return z.number({ invalid_type_error: expectation }).int(expectation).min(min, expectation);
}

function numberAtLeast(min: number) {
  const expectation = `a number >= ${min}`;
  return z.number({ invalid_type_error: expectation }).finite(expectation).min(min, expectation);
}

function fraction(expectation: string, lowOpen: boolean) {
  const n = z.number({ invalid_type_error: expectation }).finite(expectation);
  return (lowOpen ? n.gt(0, expectation) : n.gte(0, expectation)).lte(1, expectation);
}

function functionSchema<F>() {
  return z.custom<F>((v) => typeof v === 'function', { message: 'a function' });
}

function objectOf<S extends z.ZodRawShape>(shape: S, strict: boolean) {
  const schema = z.object(shape, { invalid_type_error: 'an object' });
  return strict ? schema.strict() : schema;
}

const ERROR_CLASSES = ['transient', 'persistent', 'resource', 'logic'] as const;

function retryShape() {
  return {
    maxAttempts: integerAtLeast(1).optional(),
    baseDelayMs: numberAtLeast(0).optional(),
    maxDelayMs: numberAtLeast(0).optional(),
    jitter: fraction('a number from 0 to 1', false).optional(),
    minDelayMs: numberAtLeast(0).optional(),
    delaysMs: z
      .array(numberAtLeast(0), { invalid_type_error: 'an array of delays in ms' })
      .min(1, 'an array of at least one delay in ms')
      .optional(),
    retryOn: z.array(z.enum(ERROR_CLASSES), { invalid_type_error: 'an array of error classes' }).optional(),
  };
}

/** Fields of the exponential backoff, which a `delaysMs` schedule replaces. */
const EXPONENTIAL_FIELDS = ['baseDelayMs', 'maxDelayMs'] as const;

/** A retry policy: `delaysMs` replaces the exponential backoff, so it comes without `baseDelayMs` and `maxDelayMs`. */
function retrySchema(strict: boolean) {
  return objectOf(retryShape(), strict).superRefine((retry, ctx) => {
    if (retry.delaysMs === undefined) return;
    const given = EXPONENTIAL_FIELDS.filter((field) => retry[field] !== undefined);
    if (given.length === 0) return;
    const named = given.map((field) => `\`${field}\``).join(' and ');
    ctx.addIssue({
      code: z.ZodIssueCode.custom,
      path: ['delaysMs'],
      message: `left out when ${named} ${given.length === 1 ? 'is' : 'are'} set (a delay schedule replaces the exponential backoff: keep one or the other)`,
    });
  });
}

function breakerShape() {
  return {
    key: z.string({ invalid_type_error: 'a non-empty string' }).min(1, 'a non-empty string').optional(),
    failureThreshold: integerAtLeast(1).optional(),
    recoveryTimeoutMs: numberAtLeast(0).optional(),
  };
}

/** Retry options (TS API); see `RetryOptions`. */
export const retryOptionsSchema = retrySchema(false);

/** Circuit breaker options (TS API); see `BreakerOptions`. */
export const breakerOptionsSchema = objectOf(breakerShape(), false);

/** An amount of a budgeted resource: a finite number > 0. */
export const budgetAmountSchema = z
  .number({ invalid_type_error: 'a number > 0' })
  .finite('a number > 0')
  .gt(0, 'a number > 0');

function budgetOptionsShape() {
  return {
    limit: budgetAmountSchema,
    criticalRatio: fraction('a number > 0 and <= 1', true).optional(),
  };
}

/** A global budget given in full; see `BudgetOptions`. */
export const budgetOptionsSchema = objectOf(budgetOptionsShape(), false);

function globalBudget(strict: boolean) {
  return z.union([budgetAmountSchema, objectOf(budgetOptionsShape(), strict)], {
    errorMap: () => ({ message: 'a number > 0 or an object `{ limit, criticalRatio? }`' }),
  });
}

/** A global budget: an amount, or `{ limit, criticalRatio? }`. */
export const globalBudgetSchema = globalBudget(false);

/** A per-attempt timeout in ms; 0 means none. */
export const timeoutMsSchema = numberAtLeast(0);

/** Grace after an abort before a stage is abandoned, in ms. */
export const graceMsSchema = numberAtLeast(0);

/** Where a stage's attempts run. */
export const isolationSchema = z.enum(['none', 'thread']);

/** Queue names BullMQ accepts as a key part: no `:`. */
const QUEUE_NAME_PATTERN = /^[A-Za-z0-9_.-]+$/;

function executorSchema(strict: boolean) {
  return z.discriminatedUnion(
    'kind',
    [
      objectOf({ kind: z.literal('local') }, strict),
      objectOf(
        {
          kind: z.literal('bullmq'),
          connection: z.string({ invalid_type_error: 'a Redis URL' }).regex(/^rediss?:\/\/\S+$/, 'a Redis URL, e.g. `redis://127.0.0.1:6379`'),
          queue: z.string({ invalid_type_error: 'a queue name' }).regex(QUEUE_NAME_PATTERN, 'a queue name of letters, digits, `_`, `-` or `.`').optional(),
          unreachableTimeoutMs: z.number({ invalid_type_error: 'a number of milliseconds' }).int('an integer number of milliseconds').positive('a number of milliseconds > 0').optional(),
        },
        strict,
      ),
    ],
    { errorMap: (issue, ctx) => ({ message: issue.code === 'invalid_union_discriminator' ? '`local` or `bullmq`' : issue.code === 'invalid_type' && issue.path.length === 0 ? 'an object' : ctx.defaultError }) },
  );
}

/** Where attempts run: `{ kind: 'local' }` or `{ kind: 'bullmq', connection, queue?, unreachableTimeoutMs? }`. */
export const executorOptionsSchema = executorSchema(false);

/** Stages running at once, at most. */
export const maxParallelSchema = integerAtLeast(1);

/** What a failure does to the rest of the run. */
export const failurePolicySchema = z.enum(['fail-fast', 'keep-going']);

function stringArray(expectation: string) {
  return z.array(z.string({ invalid_type_error: 'a string' }), { invalid_type_error: expectation });
}

/** Params: a record of JSON data (they are hashed and stored in the plain-JSON plan); see `param-values.ts`. */
export const paramsSchema = z
  .record(mapKeySchema('param name', (key) => (key === '__proto__' ? 'a name other than `__proto__` (which names the prototype of the params object)' : undefined)), z.unknown(), {
    invalid_type_error: 'an object',
  })
  .superRefine((params, ctx) => {
    for (const [name, value] of Object.entries(params)) {
      // An undefined param is dropped, as JSON drops it.
      if (value === undefined) continue;
      for (const p of paramValueProblems(value)) {
        ctx.addIssue({
          code: z.ZodIssueCode.custom,
          path: [name, ...p.path],
          message: p.expectation,
          params: { received: p.received, ...(p.got === undefined ? {} : { got: p.got }) },
        });
      }
    }
  });

function nonEmptyString(expectation = 'a non-empty string') {
  return z.string({ invalid_type_error: expectation }).min(1, expectation);
}

const regexSchema = z
  .string({ invalid_type_error: 'a regular expression' })
  .min(1, 'a regular expression')
  .refine((text) => {
    try {
      new RegExp(text);
      return true;
    } catch {
      return false;
    }
  }, 'a valid regular expression');

function serviceSchema(strict: boolean) {
  const timeoutMs = integerAtLeast(1).optional();
  const readiness = z.discriminatedUnion(
    'kind',
    [
      objectOf({ kind: z.literal('http'), url: z.string({ invalid_type_error: 'an http URL' }).regex(/^https?:\/\/\S+$/, 'an http URL'), timeoutMs }, strict),
      objectOf({ kind: z.literal('log'), pattern: regexSchema, timeoutMs }, strict),
      objectOf({ kind: z.literal('file'), path: nonEmptyString('a file path'), timeoutMs }, strict),
    ],
    { errorMap: (issue, ctx) => ({ message: issue.code === 'invalid_union_discriminator' ? '`http`, `log` or `file`' : issue.code === 'invalid_type' && issue.path.length === 0 ? 'an object' : ctx.defaultError }) },
  );
  return objectOf(
    {
      command: nonEmptyString('a command'),
      args: stringArray('an array of strings').optional(),
      env: z.record(z.string(), z.string({ invalid_type_error: 'a string' }), { invalid_type_error: 'an object of strings' }).optional(),
      cwd: nonEmptyString('a folder path').optional(),
      readiness: readiness.optional(),
      health: objectOf(
        {
          kind: z.literal('http', { errorMap: () => ({ message: '`http`' }) }),
          url: z.string({ invalid_type_error: 'an http URL' }).regex(/^https?:\/\/\S+$/, 'an http URL'),
          everyMs: integerAtLeast(1).optional(),
          failures: integerAtLeast(1).optional(),
          timeoutMs,
        },
        strict,
      ).optional(),
      restart: objectOf(
        {
          maxRestarts: integerAtLeast(0).optional(),
          windowMs: integerAtLeast(1).optional(),
          backoff: objectOf({ baseMs: numberAtLeast(0).optional(), maxMs: numberAtLeast(0).optional() }, strict).optional(),
        },
        strict,
      ).optional(),
      logs: objectOf({ maxBytes: integerAtLeast(1024).optional(), keep: integerAtLeast(0).optional() }, strict).optional(),
      stopGraceMs: numberAtLeast(0).optional(),
    },
    strict,
  );
}

/** The process of a service stage (TS API); see `ServiceOptions`. */
export const serviceOptionsSchema = serviceSchema(false);

/** Keys of budget maps: resource names. */
const resourceNameSchema = mapKeySchema('resource name');

function stageShape(strict: boolean) {
  return {
    deps: stringArray('an array of stage ids').optional(),
    description: z.string({ invalid_type_error: 'a string' }).optional(),
    params: paramsSchema.optional(),
    version: z.string({ invalid_type_error: 'a string' }).optional(),
    enabled: z.boolean({ invalid_type_error: 'a boolean' }).optional(),
    skipThrough: z.boolean({ invalid_type_error: 'a boolean' }).optional(),
    retry: retrySchema(strict).optional(),
    timeoutMs: timeoutMsSchema.optional(),
    graceMs: graceMsSchema.optional(),
    isolation: isolationSchema.optional(),
    executor: executorSchema(strict).optional(),
    breaker: objectOf(breakerShape(), strict).optional(),
    budgets: z.record(resourceNameSchema, budgetAmountSchema, { invalid_type_error: 'an object of amounts by resource' }).optional(),
    failOnValidationError: z.boolean({ invalid_type_error: 'a boolean' }).optional(),
    inputs: stringArray('an array of file paths').optional(),
    secretParams: stringArray('an array of param names').optional(),
    perPeriod: z.boolean({ invalid_type_error: 'a boolean' }).optional(),
    discovery: z.boolean({ invalid_type_error: 'a boolean' }).optional(),
    forEach: z.string({ invalid_type_error: 'a stage id' }).optional(),
    concurrency: integerAtLeast(1).optional(),
    maxFailureRate: fraction('a number from 0 to 1', false).optional(),
    kind: z.enum(['task', 'service'], { errorMap: () => ({ message: '`task` or `service`' }) }).optional(),
    service: serviceSchema(strict).optional(),
    expectedDurationMs: z.number({ invalid_type_error: 'a number > 0' }).finite('a number > 0').gt(0, 'a number > 0').optional(),
    periodParams: z
      .record(z.string(), paramsSchema, { invalid_type_error: 'an object of params by period' })
      .optional(),
  };
}

const PERIOD_NAME_EXPECTATION = 'a period: an integer, or a name of letters, digits, `_`, `-` or `.`';

/** One period as declared: an integer, or a name usable in a stage id. */
export const periodValueSchema = z.union(
  [z.number().int(), z.string().regex(PERIOD_KEY_PATTERN).max(MAX_PERIOD_KEY_LENGTH)],
  { errorMap: () => ({ message: PERIOD_NAME_EXPECTATION }) },
);

function periodsShape(stateHash: z.ZodTypeAny) {
  return {
    name: z.string({ invalid_type_error: 'a non-empty string' }).min(1, 'a non-empty string'),
    from: z.number({ invalid_type_error: 'an integer' }).int('an integer').optional(),
    to: z.number({ invalid_type_error: 'an integer' }).int('an integer').optional(),
    values: z
      .array(periodValueSchema, { invalid_type_error: 'an array of periods' })
      .min(1, 'an array of at least one period')
      .max(MAX_PERIODS, `an array of at most ${MAX_PERIODS} periods`)
      .optional(),
    stateHash: stateHash.optional(),
    failOnValidationError: z.boolean({ invalid_type_error: 'a boolean' }).optional(),
  };
}

/** The period axis: a range `from`..`to` or a list of `values`, not both. */
function periodsSchema(strict: boolean, stateHash: z.ZodTypeAny) {
  return objectOf(periodsShape(stateHash), strict).superRefine((periods, ctx) => {
    const range = periods.from !== undefined || periods.to !== undefined;
    if (range && periods.values !== undefined) {
      ctx.addIssue({ code: z.ZodIssueCode.custom, path: ['values'], message: 'either `from`/`to` or `values`, not both', params: { received: 'both' } });
    } else if (!range && periods.values === undefined) {
      ctx.addIssue({ code: z.ZodIssueCode.custom, path: ['from'], message: 'an integer (with `to`), or give `values`', params: { received: 'neither' } });
    } else if (range) {
      if (periods.from === undefined) ctx.addIssue({ code: z.ZodIssueCode.custom, path: ['from'], message: 'an integer (with `to`)' });
      else if (periods.to === undefined) ctx.addIssue({ code: z.ZodIssueCode.custom, path: ['to'], message: 'an integer (with `from`)' });
      else if (periods.to < periods.from) ctx.addIssue({ code: z.ZodIssueCode.custom, path: ['to'], message: `an integer >= \`from\` (${periods.from})` });
      else if (periods.to - periods.from + 1 > MAX_PERIODS) ctx.addIssue({ code: z.ZodIssueCode.custom, path: ['to'], message: `at most ${MAX_PERIODS} periods after \`from\` (${periods.from})` });
    } else if (periods.values !== undefined) {
      const seen = new Set<string>();
      periods.values.forEach((value, i) => {
        const key = String(value);
        if (seen.has(key)) ctx.addIssue({ code: z.ZodIssueCode.custom, path: ['values', i], message: 'a period not listed before it' });
        seen.add(key);
      });
    }
  });
}

function pipelineShape(strict: boolean) {
  return {
    name: pipelineNameSchema,
    description: z.string({ invalid_type_error: 'a string' }).optional(),
    maxParallel: maxParallelSchema.optional(),
    executor: executorSchema(strict).optional(),
    failurePolicy: failurePolicySchema.optional(),
    budgets: z.record(resourceNameSchema, globalBudget(strict), { invalid_type_error: 'an object of budgets by resource' }).optional(),
    defaults: objectOf(
      {
        retry: retrySchema(strict).optional(),
        timeoutMs: timeoutMsSchema.optional(),
        graceMs: graceMsSchema.optional(),
      },
      strict,
    ).optional(),
    alerts: alertsSchema(strict, retrySchema(strict)).optional(),
  };
}

/** Fields an environment sets about itself, which an overlay cannot hold. */
const OVERLAY_RESERVED = ['environments', 'environment'] as const;

/**
 * Overlays by environment name. An overlay is checked here only for being an
 * object: its fields are checked once merged, with the whole definition.
 */
export const environmentsSchema = z.record(
  mapKeySchema('environment name', environmentNameProblem),
  z.record(z.string(), z.unknown(), { invalid_type_error: 'an object of fields to overlay' }).superRefine((overlay, ctx) => {
    for (const field of OVERLAY_RESERVED) {
      if (Object.prototype.hasOwnProperty.call(overlay, field)) {
        ctx.addIssue({ code: z.ZodIssueCode.custom, path: [field], message: 'absent: an environment overlays the pipeline, it does not declare environments' });
      }
    }
  }),
  { invalid_type_error: 'an object of overlays by environment name' },
);

/** A secret of a pipeline file: the environment variable that holds its value, read when the file is loaded. */
export const fileSecretSchema = z
  .object(
    {
      env: z
        .string({ invalid_type_error: 'an environment variable name' })
        .regex(/^[A-Za-z_][A-Za-z0-9_]*$/, 'an environment variable name: letters, digits and `_`, not starting with a digit'),
    },
    // A value written in the file would be stored with it: a secret names where its value is.
    { invalid_type_error: '`{ env: VARIABLE }`, the environment variable that holds the value' },
  )
  .strict();

/** The period axis of the TS API (`PeriodsOptions`). */
export const periodsOptionsSchema = periodsSchema(false, functionSchema<PeriodStateHash>());

/** A validation rule of the TS API. */
export const validationRuleSchema = objectOf(
  {
    name: z.string({ invalid_type_error: 'a string' }),
    severity: z.enum(['warning', 'error']).optional(),
    check: functionSchema<ValidationRule['check']>(),
  },
  false,
);

/** A stage of the TS API (`StageDefinition`). Unknown keys are ignored: TypeScript reports them. */
export const stageDefinitionSchema = z.object(
  {
    id: stageIdSchema,
    run: functionSchema<StageFn>(),
    validate: z.array(validationRuleSchema, { invalid_type_error: 'an array of validation rules' }).optional(),
    classify: functionSchema<(error: unknown) => unknown>().optional(),
    fn: z.string({ invalid_type_error: 'a string' }).optional(),
    fnPath: z.string({ invalid_type_error: 'a string' }).optional(),
    codeDeps: z
      .array(z.union([functionSchema<(...args: never[]) => unknown>(), z.string()], { errorMap: () => ({ message: 'a function or a module path' }) }), {
        invalid_type_error: 'an array of functions and module paths',
      })
      .optional(),
    ...stageShape(false),
  },
  { invalid_type_error: 'a stage object' },
);

/** A pipeline of the TS API (`PipelineDefinition`). */
export const pipelineDefinitionSchema = z.object(
  {
    ...pipelineShape(false),
    stages: z.array(stageDefinitionSchema, { invalid_type_error: 'an array of stages' }),
    secrets: z
      .record(mapKeySchema('secret name'), z.string({ invalid_type_error: 'a string' }), { invalid_type_error: 'an object of strings' })
      .optional(),
    unsetSecrets: z
      .record(mapKeySchema('secret name'), z.string({ invalid_type_error: 'a variable name' }), { invalid_type_error: 'an object of variable names' })
      .optional(),
    periods: periodsOptionsSchema.optional(),
    environments: environmentsSchema.optional(),
    environment: z.object({ name: z.string(), overlays: z.array(z.object({ source: z.string(), paths: z.array(z.string()) })) }).optional(),
  },
  { invalid_type_error: 'a pipeline definition object' },
);

// `fn` is optional here only for a service stage, which has none: `service-refs.ts` requires it of every other stage.
const fileStageShape = {
  fn: z
    .string({ invalid_type_error: '`module#export`, e.g. `./stages#typing`' })
    .regex(FN_REFERENCE_PATTERN, '`module#export`, e.g. `./stages#typing`')
    .optional(),
  ...stageShape(true),
  codeDeps: stringArray('an array of module paths').optional(),
};

/** A stage in a pipeline file, in the map form (the id is the key). */
export const fileStageSchema = z.object(fileStageShape, { invalid_type_error: 'a stage object' }).strict();

/** A stage in a pipeline file, in the array form (`{ id, fn, ... }`). */
export const fileStageWithIdSchema = z
  .object({ id: stageIdSchema, ...fileStageShape }, { invalid_type_error: 'a stage object' })
  .strict();

/** The stages of a pipeline file: a map keyed by stage id, or an array of stages with ids. */
export const fileStagesSchema = z.union(
  [
    z.record(mapKeySchema('stage id', stageIdProblem), fileStageSchema, { invalid_type_error: 'a map of stages by id' }),
    z.array(fileStageWithIdSchema),
  ],
  { errorMap: () => ({ message: 'a map of stages by id, or an array of stages with ids' }) },
);

/** The file format of a pipeline (YAML or JSON). Unknown keys are reported. */
export const pipelineFileSchema = z
  .object(
    {
      $schema: z.string({ invalid_type_error: 'a string' }).optional(),
      ...pipelineShape(true),
      periods: periodsSchema(
        true,
        z.string({ invalid_type_error: '`module#export`, e.g. `./state#yearHash`' }).regex(FN_REFERENCE_PATTERN, '`module#export`, e.g. `./state#yearHash`'),
      ).optional(),
      stages: fileStagesSchema,
      secrets: z.record(mapKeySchema('secret name'), fileSecretSchema, { invalid_type_error: 'an object of secrets by name, each `{ env: VARIABLE }`' }).optional(),
      environments: environmentsSchema.optional(),
    },
    { invalid_type_error: 'a pipeline object' },
  )
  .strict();

/** A pipeline file after validation. */
export type PipelineFile = z.infer<typeof pipelineFileSchema>;

/** A stage of a pipeline file after validation (map form). */
export type PipelineFileStage = z.infer<typeof fileStageSchema>;
