import { z } from 'zod';
import { DagbookError } from '../../src/errors';
import { DEFAULT_PARAMETERS, type WorkforceParameters } from './parameters';

/**
 * The simulation parameters a stage declares, read from its params: each
 * stage names the few it uses (so its cache key moves with those only), and
 * a name it does not give takes its default from `DEFAULT_PARAMETERS`. The
 * values are checked here, at the stage's boundary, with every problem named
 * together.
 */

const rate = z.number().finite().min(0).max(1);
const money = z.number().finite().positive();
const perLevel = <T extends z.ZodTypeAny>(item: T) => z.array(item).length(5);

const schema = z.object({
  seed: z.number().int(),
  censusSize: z.number().int().min(1).max(999_999),
  startYear: z.number().int().min(1900).max(2999),
  growthRate: z.number().finite().min(-0.5).max(1),
  growthTolerance: z.number().finite().min(0),
  terminationRates: perLevel(rate),
  tenureMultipliers: z.tuple([z.number().finite().min(0), z.number().finite().min(0), z.number().finite().min(0)]),
  newHireTerminationRate: z.number().finite().min(0).lt(1),
  promotionRates: perLevel(rate),
  promotionRaise: z.number().finite().min(0).max(1),
  meritRate: z.number().finite().min(0).max(0.5),
  autoEnrollmentRate: rate,
  voluntaryEnrollmentRate: rate,
  salaryMin: perLevel(money),
  salaryMax: perLevel(money),
});

/** The name of a simulation parameter. */
export type ParameterName = keyof WorkforceParameters;

/**
 * The parameters with `names` taken from `params` (or their defaults) and the
 * rest at their defaults.
 * @throws DagbookError `INVALID_OPTION` naming each bad param and its value.
 */
export function stageParameters(params: Readonly<Record<string, unknown>>, names: readonly ParameterName[]): WorkforceParameters {
  const picked: Record<string, unknown> = {};
  for (const name of names) if (params[name] !== undefined) picked[name] = params[name];
  const parsed = schema.partial().safeParse(picked);
  if (!parsed.success) {
    const problems = parsed.error.issues.map((i) => `\`${i.path.join('.')}\` ${i.message.toLowerCase()}, got \`${JSON.stringify(valueAt(picked, i.path))}\``);
    throw new DagbookError('INVALID_OPTION', `Invalid workforce params: ${problems.join('; ')}`, { data: { params: picked } });
  }
  return { ...DEFAULT_PARAMETERS, ...(parsed.data as Partial<WorkforceParameters>) };
}

function valueAt(value: unknown, path: readonly (string | number)[]): unknown {
  return path.reduce<unknown>((v, key) => (v !== null && typeof v === 'object' ? (v as Record<string | number, unknown>)[key] : undefined), value);
}
