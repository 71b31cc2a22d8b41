import type { ZodError, ZodIssue } from 'zod';
import type { ErrorCode, PlanIssue } from '../errors';
import { didYouMean } from '../did-you-mean';
import { isValidStageId } from './identifiers';
import {
  breakerOptionsSchema,
  budgetOptionsSchema,
  fileStageWithIdSchema,
  pipelineDefinitionSchema,
  pipelineFileSchema,
  retryOptionsSchema,
  stageDefinitionSchema,
} from './schema';

/**
 * Turns zod issues for a pipeline definition into {@link PlanIssue}s whose
 * messages name the field and the value received:
 * "Expected `stages.typing.retry.maxAttempts` to be an integer >= 1, got `0`".
 */

type Path = readonly (string | number)[];

const STAGE_POLICY_FIELDS = new Set(['retry', 'timeoutMs', 'graceMs', 'breaker', 'budgets']);
const PIPELINE_POLICY_FIELDS = new Set(['maxParallel', 'failurePolicy', 'budgets', 'defaults']);

let knownFields: string[] | undefined;
function fieldNames(): string[] {
  knownFields ??= [
    ...new Set(
      [pipelineFileSchema, pipelineDefinitionSchema, fileStageWithIdSchema, stageDefinitionSchema, retryOptionsSchema.innerType(), breakerOptionsSchema, budgetOptionsSchema].flatMap(
        (s) => Object.keys(s.shape),
      ),
    ),
  ];
  return knownFields;
}

/** `PLAN_INVALID_POLICY` for policy fields (retry, timeouts, breaker, budgets, parallelism), else `PLAN_INVALID_FIELD`. */
export function issueCodeFor(path: Path): ErrorCode {
  if (path[0] === 'stages' && path.length >= 3 && STAGE_POLICY_FIELDS.has(String(path[2]))) return 'PLAN_INVALID_POLICY';
  if (path.length >= 1 && PIPELINE_POLICY_FIELDS.has(String(path[0]))) return 'PLAN_INVALID_POLICY';
  return 'PLAN_INVALID_FIELD';
}

function lookup(root: unknown, path: Path): { found: boolean; value: unknown } {
  let value = root;
  for (const key of path) {
    if (value === null || typeof value !== 'object' || !Object.prototype.hasOwnProperty.call(value, key)) {
      return { found: false, value: undefined };
    }
    value = (value as Record<string | number, unknown>)[key];
  }
  return { found: true, value };
}

/** The id of the stage a path points into (`stages.<id>...` or `stages.<index>...` with an `id`). */
export function stageIdAt(input: unknown, path: Path): string | undefined {
  if (path[0] !== 'stages' || path.length < 2) return undefined;
  if (typeof path[1] === 'string') return path[1];
  // A stage with an invalid id is named by its position.
  const id = lookup(input, ['stages', path[1], 'id']).value;
  return isValidStageId(id) ? id : undefined;
}

/** A dotted path for messages; a stage in an array is named by its id when it has one (`stages.typing.deps`). */
export function displayPath(input: unknown, path: Path): string {
  const id = stageIdAt(input, path);
  const shown = id !== undefined && typeof path[1] === 'number' ? ['stages', id, ...path.slice(2)] : path;
  return shown.join('.');
}

/** A short rendering of a received value for messages. */
export function showValue(value: unknown): string {
  switch (typeof value) {
    case 'undefined':
      return 'undefined';
    case 'string':
      return JSON.stringify(value);
    case 'number':
      return String(value);
    case 'bigint':
      return `${value}n`;
    case 'symbol':
      return value.toString();
    case 'function':
      return `[function ${value.name || 'anonymous'}]`;
  }
  if (value === null) return 'null';
  const proto = Object.getPrototypeOf(value);
  if (!Array.isArray(value) && proto !== Object.prototype && proto !== null) {
    const name = (value as object).constructor?.name;
    return name && name !== 'Object' ? `[${name}]` : Object.prototype.toString.call(value);
  }
  let text: string;
  try {
    text = JSON.stringify(value, (_k, v: unknown) => (typeof v === 'function' ? `[function ${(v as { name?: string }).name || 'anonymous'}]` : v));
  } catch {
    text = Array.isArray(value) ? '[array]' : '[object]';
  }
  return text.length > 80 ? `${text.slice(0, 77)}...` : text;
}

/** A long string for messages: its start and its length. */
function showLongString(value: string): string {
  return `${JSON.stringify(value.slice(0, 40))}... (${value.length} characters)`;
}

function article(type: string): string {
  if (type === 'integer' || type === 'object' || type === 'array') return `an ${type}`;
  return `a ${type}`;
}

function expectation(issue: ZodIssue): string {
  switch (issue.code) {
    case 'invalid_type':
      // zod's own text ("Expected number, received string" / "Required") means no expectation was set.
      return issue.message.startsWith('Expected ') || issue.message === 'Required' ? article(issue.expected) : issue.message;
    case 'invalid_enum_value':
      return `one of ${issue.options.map((o) => `\`${String(o)}\``).join(', ')}`;
    default:
      return issue.message;
  }
}

/** Flattens unions: keeps the branch whose type matched the value, when one did. */
function flatten(issues: readonly ZodIssue[]): ZodIssue[] {
  const out: ZodIssue[] = [];
  for (const issue of issues) {
    if (issue.code !== 'invalid_union') {
      out.push(issue);
      continue;
    }
    const typeMismatchAtRoot = (i: ZodIssue) => i.code === 'invalid_type' && i.path.length === issue.path.length;
    const matched = issue.unionErrors.find((e) => !e.issues.every(typeMismatchAtRoot));
    if (matched) out.push(...flatten(matched.issues));
    else out.push(issue);
  }
  return out;
}

/**
 * Plan issues for every zod issue, with codes from {@link issueCodeFor}.
 * `input` is the value that was parsed, used to show what was received.
 */
export function planIssuesFromZod(error: ZodError, input: unknown): PlanIssue[] {
  const issues: PlanIssue[] = [];
  for (const issue of flatten(error.issues)) {
    const make = (path: Path, message: string): PlanIssue => {
      const stageId = stageIdAt(input, path);
      return { code: issueCodeFor(path), path: displayPath(input, path), message, ...(stageId === undefined ? {} : { stageId }) };
    };
    if (issue.code === 'unrecognized_keys') {
      for (const key of issue.keys) {
        const path = [...issue.path, key];
        issues.push(make(path, `Unknown field \`${displayPath(input, path)}\`${didYouMean(key, fieldNames().filter((f) => f !== key))}`));
      }
      continue;
    }
    const shownPath = displayPath(input, issue.path);
    const subject = shownPath === '' ? 'the definition' : `\`${shownPath}\``;
    // Custom issues carry the value received (`received`), how to show it when not in full (`got`),
    // and for a map key, what the key is (`key`: "stage id").
    const params = issue.code === 'custom' ? (issue.params as { received?: unknown; got?: string; key?: string } | undefined) : undefined;
    const shown = (value: unknown) => params?.got ?? (typeof value === 'string' && value.length > 80 ? showLongString(value) : showValue(value));
    if (params?.key !== undefined) {
      issues.push(make(issue.path, `Expected the ${params.key} ${shown(params.received)} to be ${expectation(issue)}`));
      continue;
    }
    const received = params && 'received' in params ? { found: true, value: params.received } : lookup(input, issue.path);
    const message = received.found
      ? `Expected ${subject} to be ${expectation(issue)}, got \`${shown(received.value)}\``
      : `Missing required field ${subject}: expected ${expectation(issue)}`;
    issues.push(make(issue.path, message));
  }
  return issues;
}
