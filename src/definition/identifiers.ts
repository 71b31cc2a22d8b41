import { z } from 'zod';
import { MAX_NAME_LENGTH, MAX_STAGE_ID_LENGTH, SAFE_NAME_PATTERN } from '../limits';

/**
 * The names a definition gives: stage ids, the pipeline name and the keys of
 * its maps (budget resources, secrets). Each is checked here, once, against
 * the rules every later layer relies on: stage ids index plain objects (the
 * plan's `stages`, records by stage id), so an id that names a property every
 * JavaScript object has (`__proto__`, `constructor`, `toString`, ...) is
 * refused; the pipeline name becomes a folder under `state/`, so it follows
 * the state folder's rule (`SAFE_NAME_PATTERN`, `MAX_NAME_LENGTH`).
 *
 * Each `...Problem` function returns the expectation an invalid value fails
 * (`an id of at most 200 characters`), or undefined when the value is valid;
 * `zod-issues.ts` turns it into a sentence naming the field and the value.
 */

/** Stage ids: letters, digits, `_`, `-`, `.` (and not `.` or `..`). */
export const STAGE_ID_PATTERN = /^[A-Za-z0-9_.-]+$/;

/**
 * Names that every plain object already has (`__proto__`, `constructor`,
 * `hasOwnProperty`, `toString`, ...) plus `prototype`: refused as stage ids
 * and map keys, since a lookup by such a name finds the inherited property
 * and an assignment to `__proto__` replaces the object's prototype.
 */
export const RESERVED_NAMES: ReadonlySet<string> = new Set([...Object.getOwnPropertyNames(Object.prototype), 'prototype']);

const ID_EXPECTATION = 'an id of letters, digits, `_`, `-` or `.`';
const NAME_EXPECTATION = 'a name of letters, digits, `_`, `-` or `.`, not starting with `.` or `-`';
const RESERVED_EXPECTATION = 'a name that is not a property of every JavaScript object (`__proto__`, `constructor`, `prototype`, `toString`, ...)';

/** Why `id` is not a valid stage id, as an expectation; undefined when it is valid. */
export function stageIdProblem(id: string): string | undefined {
  if (id.length > MAX_STAGE_ID_LENGTH) return `an id of at most ${MAX_STAGE_ID_LENGTH} characters`;
  if (!STAGE_ID_PATTERN.test(id) || id === '.' || id === '..') return ID_EXPECTATION;
  if (RESERVED_NAMES.has(id)) return RESERVED_EXPECTATION;
  return undefined;
}

/** Why `key` cannot be a key of a definition's map (budgets, secrets); undefined when it can. */
export function mapKeyProblem(key: string): string | undefined {
  return RESERVED_NAMES.has(key) ? RESERVED_EXPECTATION : undefined;
}

/** Environment names: letters, digits, `_`, `-` (no `.`: the name is a part of an overlay file's name, `trials.prod.yaml`). */
export const ENVIRONMENT_NAME_PATTERN = /^[A-Za-z0-9_-]+$/;

/** Why `name` is not a valid environment name, as an expectation; undefined when it is valid. */
export function environmentNameProblem(name: string): string | undefined {
  if (!ENVIRONMENT_NAME_PATTERN.test(name)) return 'a name of letters, digits, `_` or `-`';
  return mapKeyProblem(name);
}

/** True when `id` is a valid stage id; see {@link stageIdProblem}. */
export function isValidStageId(id: unknown): id is string {
  return typeof id === 'string' && stageIdProblem(id) === undefined;
}

/**
 * A stage id; see {@link stageIdProblem}. The length and the pattern are zod
 * checks so that the JSON Schema of the file format carries them.
 */
export const stageIdSchema = z
  .string({ invalid_type_error: ID_EXPECTATION })
  .max(MAX_STAGE_ID_LENGTH, `an id of at most ${MAX_STAGE_ID_LENGTH} characters`)
  .regex(STAGE_ID_PATTERN, ID_EXPECTATION)
  .superRefine((id, ctx) => {
    if (id === '.' || id === '..') ctx.addIssue({ code: z.ZodIssueCode.custom, message: ID_EXPECTATION, params: { received: id } });
    else if (RESERVED_NAMES.has(id)) ctx.addIssue({ code: z.ZodIssueCode.custom, message: RESERVED_EXPECTATION, params: { received: id } });
  });

/** A pipeline name; see {@link pipelineNameProblem}. */
export const pipelineNameSchema = z
  .string({ invalid_type_error: NAME_EXPECTATION })
  .max(MAX_NAME_LENGTH, `a name of at most ${MAX_NAME_LENGTH} characters`)
  .regex(SAFE_NAME_PATTERN, NAME_EXPECTATION);

/**
 * A key of a map, checked on the raw input (zod drops a `__proto__` key from
 * what it returns, so only a key schema sees it). `subject` names the key in
 * messages: "Expected the stage id "__proto__" to be ...".
 */
export function mapKeySchema(subject: string, problem: (key: string) => string | undefined = mapKeyProblem) {
  return z.string().superRefine((key, ctx) => {
    const expectation = problem(key);
    if (expectation !== undefined) ctx.addIssue({ code: z.ZodIssueCode.custom, message: expectation, params: { received: key, key: subject } });
  });
}
