import type { EventOf } from '../events/event';
import type { Plan } from '../plan/plan';
import type { BreakerSnapshot, ItemRecord, StageRecord } from '../records';
import { formatIso, formatRelative, truncate } from './format';

/**
 * What to do about a failed stage, in words, with the exact call to make:
 * the answer depends on the cause (open breaker, budget, timeout,
 * validation, bad input, bug, temporary fault).
 */

/** What error analysis looks at. */
export interface ErrorAnalysisInput {
  /** The plan the stage belongs to. */
  readonly plan: Plan;
  /** The failed stage. */
  readonly stageId: string;
  /** Its record in the run. */
  readonly record: StageRecord;
  /** Its circuit breaker's state, when it has one. */
  readonly breaker?: { readonly key: string; readonly snapshot: BreakerSnapshot; readonly recoveryTimeoutMs: number };
  /** The run's global usage by resource. */
  readonly runUsage: Readonly<Record<string, number>>;
  /** Now, ms since epoch. */
  readonly now: number;
  /** What the call starts with, in a notebook. @default 'await wb.' */
  readonly callPrefix?: string;
  /** Where the next step is taken: a notebook call, or a CLI command. @default { kind: 'notebook' } */
  readonly target?: NextStepTarget;
  /** A per-item stage's item records (from its item journal): the failed ones are grouped by error code. @default none */
  readonly itemRecords?: readonly ItemRecord[];
  /** The ALERT events the stage raised in its run: listed with the analysis. @default none */
  readonly alerts?: readonly EventOf<'ALERT'>[];
}

/**
 * Where the person reading the analysis will act: in a notebook (the call is
 * `await wb.run('x')`) or in a terminal (the call is
 * `npx dagbook run pipelines/p.yaml x`).
 */
export type NextStepTarget =
  | { readonly kind: 'notebook' }
  | {
      readonly kind: 'cli';
      /** The pipeline file, as the command line named it. */
      readonly pipelineFile: string;
      /** The `--state-dir` the command line was given, when it was given one. */
      readonly stateDir?: string;
      /** The `--env` the command was given, repeated in the next step. */
      readonly env?: string;
    };

/** The advice and the call that carries it out. */
export interface NextStep {
  /** One sentence: what to do. */
  readonly advice: string;
  /** The exact call to make (empty when there is nothing to do). */
  readonly call: string;
}

/** When the stage's breaker half-opens, ms since epoch, when known. */
export function halfOpenAt(input: ErrorAnalysisInput): number | undefined {
  const b = input.breaker;
  if (b && b.snapshot.openedAt !== null) return b.snapshot.openedAt + b.recoveryTimeoutMs;
  const data = input.record.error?.data ?? {};
  if (typeof data.halfOpenAtMs === 'number') return data.halfOpenAtMs;
  if (typeof data.halfOpenAt === 'string' && Number.isFinite(Date.parse(data.halfOpenAt))) return Date.parse(data.halfOpenAt);
  return undefined;
}

/** The key of the stage's breaker. */
export function breakerKey(input: ErrorAnalysisInput): string {
  const data = input.record.error?.data ?? {};
  return input.breaker?.key ?? (typeof data.key === 'string' ? data.key : undefined) ?? input.plan.stages[input.stageId]?.breaker?.key ?? input.stageId;
}

/** The first line of a bug: "TypeError: x is not a function". */
function bugLine(message: string, stack?: string): string {
  const first = stack?.split('\n')[0] ?? '';
  const line = /^\w*Error\b.*:/.test(first) ? first : message.split('\n')[0];
  return truncate(line, 100);
}

/** A command-line word, quoted for a POSIX shell only when it needs it. */
export function shellWord(word: string): string {
  return /^[\w@%+=:,./-]+$/.test(word) ? word : `'${word.replace(/'/g, `'\\''`)}'`;
}

/** The call that re-runs `stageId` where the reader is: `await wb.run('x')` or `npx dagbook run <file> x`. */
export function rerunCall(input: Pick<ErrorAnalysisInput, 'stageId' | 'callPrefix' | 'target'>): string {
  const target = input.target ?? { kind: 'notebook' };
  if (target.kind === 'notebook') return `${input.callPrefix ?? 'await wb.'}run('${input.stageId}')`;
  const words = ['npx', 'dagbook', 'run', target.pipelineFile, input.stageId, ...(target.stateDir === undefined ? [] : ['--state-dir', target.stateDir]), ...(target.env === undefined ? [] : ['--env', target.env])];
  return words.map(shellWord).join(' ');
}

/**
 * The call that re-runs from period `key` with force, where the reader is:
 * `await wb.run(undefined, { fromPeriod: 2027, force: true })` (the period as
 * declared: a number stays a number) or `npx dagbook run <file> --from-period
 * 2027 --force`.
 */
export function fromPeriodCall(input: Pick<ErrorAnalysisInput, 'plan' | 'callPrefix' | 'target'>, key: string): string {
  const target = input.target ?? { kind: 'notebook' };
  if (target.kind === 'notebook') {
    const periods = input.plan.periods;
    const value = periods === undefined ? key : periods.values[periods.keys.indexOf(key)] ?? key;
    // Period values are numbers or strings of [A-Za-z0-9_.-]: nothing to escape.
    const literal = typeof value === 'number' ? String(value) : `'${value}'`;
    return `${input.callPrefix ?? 'await wb.'}run(undefined, { fromPeriod: ${literal}, force: true })`;
  }
  const words = ['npx', 'dagbook', 'run', target.pipelineFile, '--from-period', key, '--force', ...(target.stateDir === undefined ? [] : ['--state-dir', target.stateDir]), ...(target.env === undefined ? [] : ['--env', target.env])];
  return words.map(shellWord).join(' ');
}

function list(names: readonly string[]): string {
  return names.map((n) => `\`${n}\``).join(', ');
}

/** The next step for a failed stage, by cause. */
export function nextStep(input: ErrorAnalysisInput): NextStep {
  const { plan, stageId, record, now } = input;
  const run = rerunCall(input);
  const error = record.error;
  const stage = plan.stages[stageId];
  if (!error) {
    if (record.status === 'BLOCKED') return { advice: `the stage was blocked (${record.reason ?? 'an upstream stage failed'}): fix that first, then re-run`, call: run };
    return { advice: `stage \`${stageId}\` has no error (it is ${record.status})`, call: '' };
  }
  const data = error.data ?? {};
  const breakerOpen = input.breaker?.snapshot.state === 'OPEN' && (error.errorClass === 'transient' || error.errorClass === 'resource');
  if (error.code === 'CIRCUIT_OPEN' || breakerOpen) {
    const key = breakerKey(input);
    const at = halfOpenAt(input);
    if (at === undefined) return { advice: `wait for the breaker \`${key}\` to half-open, then re-run`, call: run };
    if (at <= now) return { advice: `the breaker \`${key}\` half-opened at ${formatIso(at)} (${formatRelative(at, now)}): re-run to let a probe through`, call: run };
    return { advice: `wait until the breaker \`${key}\` half-opens at ${formatIso(at)} (${formatRelative(at, now)}), then re-run`, call: run };
  }
  if (error.code === 'BUDGET_EXHAUSTED') {
    const resource =
      typeof data.resource === 'string'
        ? data.resource
        : Object.keys(stage?.budgets ?? {}).find((r) => (record.usage[r] ?? 0) >= (stage?.budgets[r] ?? Infinity)) ?? Object.keys(plan.budgets)[0];
    if (resource === undefined) return { advice: 'raise the exhausted budget, then re-run', call: run };
    const stageLimit = stage?.budgets[resource];
    const globalLimit = plan.budgets[resource]?.limit;
    const parts = [
      ...(stageLimit === undefined ? [] : [`stage \`budgets.${resource}\` = ${stageLimit}`]),
      ...(globalLimit === undefined ? [] : [`the pipeline's \`budgets.${resource}\` = ${globalLimit}`]),
    ];
    if (data.scope === 'global') parts.reverse();
    return { advice: `raise the \`${resource}\` budget${parts.length ? ` (${parts.join(', or ')})` : ''}, then re-run`, call: run };
  }
  if (error.code === 'STAGE_TIMEOUT') {
    const timeoutMs = typeof data.timeoutMs === 'number' ? data.timeoutMs : stage?.timeoutMs ?? 0;
    const failed = record.attemptLog.filter((a) => a.outcome === 'failed');
    const where = failed.length > 1 ? (failed.every((a) => a.code === 'STAGE_TIMEOUT') ? ' on every attempt' : ' on its last attempt') : '';
    return {
      advice: `the stage ran past its timeoutMs (${timeoutMs} ms)${where}: raise \`timeoutMs\` or make the stage honour ctx.signal, then re-run`,
      call: run,
    };
  }
  if (error.code === 'STAGE_VALIDATION_FAILED') {
    const rules = Array.isArray(data.rules)
      ? data.rules.map(String)
      : record.validation.filter((v) => !v.passed && v.severity === 'error').map((v) => v.rule);
    const what = rules.length === 1 ? `validation rule ${list(rules)} failed` : `validation rules ${list(rules)} failed`;
    return { advice: `fix the output: ${what}, then re-run`, call: run };
  }
  if (error.code === 'STAGE_CODE_STALE') {
    const remedy = typeof data.remedy === 'string' ? data.remedy : "run the cell that imports the stage's code again, or restart the kernel";
    return { advice: `the stage's code changed after the notebook loaded it: ${remedy}, then re-run`, call: run };
  }
  if (error.code === 'CHECKPOINT_CORRUPT') {
    const key = typeof data.period === 'string' ? data.period : stage?.period;
    const axis = plan.periods?.name ?? 'period';
    if (key !== undefined) {
      const parts = Array.isArray(data.parts) && data.parts.length > 0 ? ` (${list(data.parts.map(String))} differ${data.parts.length === 1 ? 's' : ''})` : '';
      return {
        advice: `the state ${axis} ${key} wrote no longer matches its checkpoint${parts}: re-run from ${axis} ${key} with force, which rebuilds it and every later ${axis}`,
        call: fromPeriodCall(input, key),
      };
    }
    return { advice: "the interrupted run's checkpoints no longer match each other: start a new run instead of resuming it", call: run };
  }
  if (error.code === 'STAGE_CANCELLED' || error.code === 'RUN_CANCELLED') {
    return { advice: 'the stage was cancelled before it finished: re-run', call: run };
  }
  switch (error.errorClass) {
    case 'logic':
      return { advice: `fix the code of stage \`${stageId}\` (a bug: ${bugLine(error.message, error.stack)}), then re-run`, call: run };
    case 'persistent':
      return { advice: 'fix the input (the error says what is wrong), then re-run', call: run };
    case 'resource':
      return { advice: 'a resource ran out (the error says which): free it or raise its limit, then re-run', call: run };
    default: {
      const attempts = record.attemptLog.filter((a) => a.outcome === 'failed').length || record.attempts;
      return {
        advice: `the error looks temporary (${attempts} ${attempts === 1 ? 'attempt' : 'attempts'} failed): retry; if it keeps failing, raise \`retry.maxAttempts\``,
        call: run,
      };
    }
  }
}
