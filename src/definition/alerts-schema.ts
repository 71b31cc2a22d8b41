import { z } from 'zod';
import type { AlertMetric } from '../events/event';

/**
 * The zod schema of a pipeline's `alerts` (see `AlertOptions`): thresholds by
 * metric, each a warning and a critical value with `warning <= critical`, and
 * the sinks alerts are delivered to. Built by `schema.ts` for both the TS API
 * and the file format; the retry schema of a webhook is the stages' own,
 * passed in, so a webhook's retry is held to the same rule as a stage's.
 */

function objectOf<S extends z.ZodRawShape>(shape: S, strict: boolean) {
  const schema = z.object(shape, { invalid_type_error: 'an object' });
  return strict ? schema.strict() : schema;
}

function positiveNumber() {
  return z.number({ invalid_type_error: 'a number > 0' }).finite('a number > 0').gt(0, 'a number > 0');
}

function positiveInteger() {
  return z.number({ invalid_type_error: 'an integer >= 1' }).int('an integer >= 1').min(1, 'an integer >= 1');
}

function ratio() {
  return z.number({ invalid_type_error: 'a number > 0 and <= 1' }).finite('a number > 0 and <= 1').gt(0, 'a number > 0 and <= 1').lte(1, 'a number > 0 and <= 1');
}

/** Warning and critical values of one metric, the warning at most the critical. */
function levels(value: () => z.ZodNumber, strict: boolean) {
  return objectOf({ warning: value().optional(), critical: value().optional() }, strict).superRefine((l, ctx) => {
    if (l.warning !== undefined && l.critical !== undefined && l.warning > l.critical) {
      ctx.addIssue({ code: z.ZodIssueCode.custom, path: ['warning'], message: `a number <= \`critical\` (${l.critical})`, params: { received: l.warning } });
    }
  });
}

const METRIC_VALUES: Readonly<Record<AlertMetric, () => z.ZodNumber>> = {
  stageDuration: positiveNumber,
  retries: positiveInteger,
  tokenUse: ratio,
  itemFailureRate: ratio,
};

/** `alerts` of a pipeline: `{ thresholds?, sinks?, drainMs? }`. */
export function alertsSchema(strict: boolean, retry: z.ZodTypeAny) {
  const thresholds = objectOf(
    Object.fromEntries(Object.entries(METRIC_VALUES).map(([metric, value]) => [metric, levels(value, strict).optional()])) as Record<AlertMetric, z.ZodOptional<ReturnType<typeof levels>>>,
    strict,
  );
  const timeoutMs = positiveNumber().optional();
  const sink = z.discriminatedUnion(
    'kind',
    [
      objectOf(
        {
          kind: z.literal('webhook'),
          url: z.string({ invalid_type_error: 'an http(s) URL' }).regex(/^https?:\/\/\S+$/, 'an http(s) URL, e.g. `https://hooks.example.com/dagbook`'),
          headers: z.record(z.string(), z.string({ invalid_type_error: 'a string' }), { invalid_type_error: 'an object of header values' }).optional(),
          retry: retry.optional(),
          timeoutMs,
        },
        strict,
      ),
      objectOf(
        {
          kind: z.literal('command'),
          command: z.string({ invalid_type_error: 'a non-empty string' }).min(1, 'a non-empty string'),
          args: z.array(z.string({ invalid_type_error: 'a string' }), { invalid_type_error: 'an array of strings' }).optional(),
          timeoutMs,
        },
        strict,
      ),
    ],
    { errorMap: (issue, ctx) => ({ message: issue.code === 'invalid_union_discriminator' ? '`webhook` or `command`' : issue.code === 'invalid_type' && issue.path.length === 0 ? 'an object' : ctx.defaultError }) },
  );
  return objectOf(
    {
      thresholds: thresholds.optional(),
      sinks: z.array(sink, { invalid_type_error: 'an array of alert sinks' }).optional(),
      drainMs: z.number({ invalid_type_error: 'a number >= 0' }).finite('a number >= 0').min(0, 'a number >= 0').optional(),
    },
    strict,
  );
}
