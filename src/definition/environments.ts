import { z } from 'zod';
import { DagbookError, planInvalidError, type PlanIssue } from '../errors';
import { didYouMean } from '../did-you-mean';
import { isPlainObject } from '../object-kind';
import { baseStageIds, mergeOverlay, overlaidField } from './environment-overlay';
import { environmentsSchema } from './schema';
import type { ActiveEnvironment, AppliedOverlay, PipelineDefinition } from './types';
import { planIssuesFromZod } from './zod-issues';

/**
 * Environments: which one is selected, and what selecting it does to a
 * definition. An environment is an overlay (inline under `environments`, or
 * a `<pipeline>.<env>.yaml` file beside a pipeline file) merged over the
 * definition as `environment-overlay.ts` says; the merged definition is then
 * validated as a whole, and a problem in a field an overlay set says which
 * environment set it.
 *
 * The environment is chosen by the caller (`--env`, `{ env }`), else by the
 * `DAGBOOK_ENV` variable. The variable serves many pipelines at once, so a
 * pipeline that declares no environments at all ignores it; one that does
 * must know the environment it names, as it must know one named on purpose.
 */

/** The variable that names the environment when the caller does not. */
export const ENVIRONMENT_VARIABLE = 'DAGBOOK_ENV';

/** Variables of a process environment (`process.env`). */
export type EnvironmentVariables = Readonly<Record<string, string | undefined>>;

/**
 * The environment to select: `requested`, else `DAGBOOK_ENV` when the
 * pipeline declares environments; undefined for none.
 * @param known The environments the pipeline declares.
 * @throws DagbookError `INVALID_OPTION` naming the environment and listing the known ones, when it is not one of them.
 */
export function environmentToSelect(pipeline: string, requested: string | undefined, variables: EnvironmentVariables, known: readonly string[]): string | undefined {
  if (requested !== undefined) {
    if (!known.includes(requested)) throw unknownEnvironment(pipeline, requested, known, undefined);
    return requested;
  }
  const named = variables[ENVIRONMENT_VARIABLE];
  if (named === undefined || named === '' || known.length === 0) return undefined;
  if (!known.includes(named)) throw unknownEnvironment(pipeline, named, known, ENVIRONMENT_VARIABLE);
  return named;
}

function unknownEnvironment(pipeline: string, name: string, known: readonly string[], variable: string | undefined): DagbookError {
  const from = variable === undefined ? '' : ` (from \`${variable}\`)`;
  const list = known.length === 0 ? 'it declares no environments' : `its environments are ${[...known].sort().map((k) => `\`${k}\``).join(', ')}`;
  return new DagbookError('INVALID_OPTION', `Unknown environment \`${name}\`${from} for \`${pipeline}\`: ${list}${didYouMean(name, known)}`, {
    errorClass: 'logic',
    data: { environment: name, known: [...known].sort(), ...(variable === undefined ? {} : { variable }) },
  });
}

/** An overlay to merge: its data and where it came from, for messages. */
export interface OverlaySource {
  /** `environments.prod`, or the overlay file as named. */
  readonly source: string;
  /** The overlay as given: an object of fields, if it is valid. */
  readonly data: unknown;
}

/** A definition merged with an environment's overlays, or the problems found merging them. */
export interface MergedEnvironment<T> {
  /** The definition with every overlay merged over it, in order. */
  readonly merged: T;
  /** The environment, for the definition's `environment` field. */
  readonly environment: ActiveEnvironment;
  /** Problems with the overlays themselves: one that is not an object, one that names a stage the pipeline lacks. */
  readonly issues: readonly PlanIssue[];
}

/**
 * Merges `overlays` over `base` (a definition, or a pipeline file's data)
 * for environment `name`.
 * @param stageFunction The field a stage cannot be without (`fn` in a file, `run` in the TS API): a stage the base lacks and its overlay does not give it is reported as unknown.
 */
export function mergeEnvironment<T>(base: T, name: string, overlays: readonly OverlaySource[], stageFunction: 'fn' | 'run'): MergedEnvironment<T> {
  const issues: PlanIssue[] = [];
  const applied: AppliedOverlay[] = [];
  let merged = base;
  const known = baseStageIds(isPlainObject(base) ? base.stages : undefined);
  for (const { source, data } of overlays) {
    if (!isPlainObject(data)) {
      issues.push({ code: 'PLAN_INVALID_FIELD', path: source, message: `Expected the overlay of environment \`${name}\` (\`${source}\`) to be an object of fields to overlay` });
      continue;
    }
    const stages = data.stages;
    let overlay: Record<string, unknown> = data;
    if (isPlainObject(stages)) {
      for (const [id, stage] of Object.entries(stages)) {
        // A stage the overlay adds brings its function (or, for a service stage, its service).
        if (known.includes(id) || (isPlainObject(stage) && (stage[stageFunction] !== undefined || stage.service !== undefined))) continue;
        // Not merged: the one issue says what is wrong, not every field such a stage would lack.
        const { [id]: _unknown, ...rest } = overlay.stages as Record<string, unknown>;
        overlay = { ...overlay, stages: rest };
        issues.push({
          code: 'PLAN_INVALID_FIELD',
          path: `stages.${id}`,
          stageId: id,
          message: `Environment \`${name}\` (\`${source}\`) overlays stage \`${id}\`, which the pipeline does not define${didYouMean(id, known)}`,
        });
      }
    }
    const result = mergeOverlay(merged, overlay);
    merged = result.merged;
    applied.push({ source, paths: result.paths });
  }
  return { merged, environment: { name, overlays: applied }, issues };
}

/**
 * The issues with each one about a field an overlay set saying so:
 * "... (set by environment `prod` in `environments.prod`)". A field two
 * overlays set is the later one's.
 */
export function attributeIssues(issues: readonly PlanIssue[], environment: ActiveEnvironment | undefined): PlanIssue[] {
  if (environment === undefined) return [...issues];
  return issues.map((issue) => {
    const overlay = [...environment.overlays].reverse().find((o) => overlaidField(o.paths, issue.path) !== undefined);
    if (overlay === undefined || issue.message.startsWith('Environment ')) return issue;
    return { ...issue, message: `${issue.message} (set by environment \`${environment.name}\` in \`${overlay.source}\`)` };
  });
}

const declaredEnvironments = z.object({ environments: environmentsSchema });

/** Options of {@link selectEnvironment}. */
export interface SelectEnvironmentOptions {
  /** The environment to select. @default `DAGBOOK_ENV` of `variables`, when the definition declares environments */
  readonly env?: string;
  /** Where `DAGBOOK_ENV` is read. @default {} */
  readonly variables?: EnvironmentVariables;
}

/**
 * The definition (TS API) merged with the overlay of the selected
 * environment, with `environment` naming it and `environments` left out;
 * the definition itself when none is selected. Compiling validates the
 * merged result.
 * @throws DagbookError `INVALID_OPTION` for an unknown environment; `PLAN_INVALID` when `environments` is malformed or an overlay names a stage the pipeline lacks.
 */
export function selectEnvironment(def: PipelineDefinition, options: SelectEnvironmentOptions = {}): PipelineDefinition {
  const declared = def.environments;
  if (declared !== undefined) {
    const parsed = declaredEnvironments.safeParse({ environments: declared });
    if (!parsed.success) throw planInvalidError(planIssuesFromZod(parsed.error, { environments: declared }));
  }
  const known = declared === undefined ? [] : Object.keys(declared);
  const name = environmentToSelect(def.name, options.env, options.variables ?? {}, known);
  if (name === undefined) return def;
  const { environments: _all, ...base } = def;
  const { merged, environment, issues } = mergeEnvironment(base, name, [{ source: `environments.${name}`, data: declared![name] }], 'run');
  if (issues.length > 0) throw planInvalidError(issues);
  return { ...merged, environment };
}
