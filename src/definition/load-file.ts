import { createRequire } from 'node:module';
import { readdir } from 'node:fs/promises';
import * as nodePath from 'node:path';
import { errorMessage, planInvalidError, type PlanIssue } from '../errors';
import { didYouMean } from '../did-you-mean';
import { graphIssues } from '../graph/graph-issues';
import { periodEdges } from './period-refs';
import { itemIssues } from './item-refs';
import { serviceIssues } from './service-refs';
import { serviceStandIn } from './service-stage';
import { FN_REFERENCE_PATTERN, formatFnReference, parseFnReference, type FnReference } from '../fn-reference';
import { isRecord } from '../object-kind';
import { ensureTypeScriptLoader } from '../typescript-loader';
import { parsePipelineText, readPipelineText } from './pipeline-text';
import { isValidStageId, pipelineFileSchema, type PipelineFile, type PipelineFileStage } from './schema';
import type { ActiveEnvironment, ExecutorOptions, PeriodStateHash, PipelineDefinition, StageDefinition, StageFn } from './types';
import { attributeIssues, environmentToSelect, mergeEnvironment, type EnvironmentVariables, type OverlaySource } from './environments';
import { ENVIRONMENT_NAME_PATTERN } from './identifiers';
import { readSecretVariables, splitSecretVariables, type SecretMode } from './secret-variables';
import { planIssuesFromZod } from './zod-issues';

/** Options of {@link loadPipelineFile}. */
export interface LoadPipelineFileOptions {
  /** Folder that `fn` module paths and package names resolve from. @default the folder of the file */
  readonly baseDir?: string;
  /** Replaces the file's pipeline-wide `executor` (a stage's own still applies). @default the file's */
  readonly executor?: ExecutorOptions;
  /** The environment whose overlays are merged (inline `environments.<env>`, then `<file>.<env>.yaml`). @default `DAGBOOK_ENV` of `variables`, when the file declares environments */
  readonly env?: string;
  /** The process environment: where `secrets` and `DAGBOOK_ENV` are read. @default process.env */
  readonly variables?: EnvironmentVariables;
  /**
   * `values`: every declared secret's variable must be set (`SECRET_MISSING` otherwise), as a run needs;
   * `names`: an unset one goes to the definition's `unsetSecrets` instead, enough to read the plan and the state.
   * @default 'values'
   */
  readonly secrets?: SecretMode;
}

/**
 * Loads a pipeline file (YAML or JSON), merges the overlays of the selected
 * environment (see `environments.ts`), validates the result, reads its
 * secrets from their variables (or, with `secrets: 'names'`, keeps the
 * unset ones' names) and resolves each stage's
 * `fn: "module#export"` with `require` (a path relative to the file's
 * folder, or a package name); see {@link loadPipelineText}.
 *
 * @throws DagbookError `PLAN_INVALID` with `data.issues` (codes as in
 *   `compilePipeline`, plus `PLAN_UNKNOWN_FUNCTION` for a module or export
 *   that cannot be found); `PLAN_INVALID_FILE` when the file is too large,
 *   its YAML aliases expand past the limit or it cannot be parsed at all;
 *   `INVALID_OPTION` when the file cannot be read or the environment is
 *   unknown; `SECRET_MISSING` when a secret's variable is not set (unless `secrets: 'names'`).
 */
export async function loadPipelineFile(path: string, opts: LoadPipelineFileOptions = {}): Promise<PipelineDefinition> {
  const file = nodePath.resolve(path);
  const data = parsePipelineText(await readPipelineText(file, path), path);
  const variables = opts.variables ?? process.env;
  const files = await environmentFiles(file, path);
  const inline = inlineEnvironments(data);
  const known = [...new Set([...inline, ...files.keys()])];
  const env = environmentToSelect(pipelineName(data, path), opts.env, variables, known);
  const overlayFile = env === undefined ? undefined : files.get(env);
  const overlay = overlayFile === undefined ? undefined : { source: overlayFile, data: parsePipelineText(await readPipelineText(nodePath.resolve(overlayFile), overlayFile), overlayFile) };
  return loadPipelineData(data, {
    source: path,
    baseDir: opts.baseDir ?? nodePath.dirname(file),
    variables,
    secrets: opts.secrets ?? 'values',
    ...(opts.executor === undefined ? {} : { executor: opts.executor }),
    ...(env === undefined ? {} : { env, overlay }),
  });
}

/** Options of {@link loadPipelineText}. */
export interface LoadPipelineTextOptions {
  /** Where the text came from (a file path), for messages. */
  readonly source: string;
  /** Folder that `fn` module paths and package names resolve from. */
  readonly baseDir: string;
  /** Replaces the text's pipeline-wide `executor` (a stage's own still applies). @default the text's */
  readonly executor?: ExecutorOptions;
  /** The environment whose inline overlay (`environments.<env>`) is merged. @default `DAGBOOK_ENV` of `variables`, when the text declares environments */
  readonly env?: string;
  /** Where `secrets` and `DAGBOOK_ENV` are read. @default process.env */
  readonly variables?: EnvironmentVariables;
  /** Whether the secrets' values must be set (`values`) or their names are enough (`names`); see {@link LoadPipelineFileOptions}. @default 'values' */
  readonly secrets?: SecretMode;
}

/**
 * Validates the text of a pipeline file (YAML or JSON) and resolves each
 * stage's `fn`. Every problem is collected: field and policy errors, unknown
 * functions, duplicate ids, unknown deps and cycles. A `thread` stage also
 * gets `fnPath`: `fn` with its module resolved to an absolute file path, so a
 * worker thread can load it.
 *
 * @throws DagbookError as {@link loadPipelineFile}, except `INVALID_OPTION`
 *   for reading (there is no overlay file here, only inline environments).
 */
export function loadPipelineText(text: string, options: LoadPipelineTextOptions): PipelineDefinition {
  const data = parsePipelineText(text, options.source);
  const variables = options.variables ?? process.env;
  const env = environmentToSelect(pipelineName(data, options.source), options.env, variables, inlineEnvironments(data));
  const { env: _env, ...rest } = options;
  return loadPipelineData(data, { ...rest, variables, secrets: options.secrets ?? 'values', ...(env === undefined ? {} : { env }) });
}

interface LoadDataOptions {
  readonly source: string;
  readonly baseDir: string;
  readonly executor?: ExecutorOptions;
  readonly variables: EnvironmentVariables;
  readonly secrets: SecretMode;
  /** The selected environment. */
  readonly env?: string;
  /** Its overlay file, parsed. */
  readonly overlay?: OverlaySource;
}

/** The environment names a file's data declares inline. */
function inlineEnvironments(data: unknown): string[] {
  return isRecord(data) && isRecord(data.environments) ? Object.keys(data.environments) : [];
}

/** The pipeline's name for messages: its `name`, or the file when it has none. */
function pipelineName(data: unknown, source: string): string {
  return isRecord(data) && typeof data.name === 'string' ? data.name : source;
}

/**
 * The overlay files beside a pipeline file, by environment: `<stem>.<env>.yaml`
 * (or `.yml`) beside a YAML file, `<stem>.<env>.json` beside a JSON one, named
 * as the file was (relative paths stay relative). `<stem>.schema.json` is not
 * one: it is where the JSON Schema of the format is written.
 */
async function environmentFiles(file: string, source: string): Promise<Map<string, string>> {
  const ext = nodePath.extname(file);
  const stem = nodePath.basename(file, ext);
  const family = ext === '.yaml' || ext === '.yml' ? ['.yaml', '.yml'] : [ext];
  let names: string[];
  try {
    names = (await readdir(nodePath.dirname(file))).sort();
  } catch {
    return new Map();
  }
  const found = new Map<string, string>();
  for (const name of names) {
    if (!name.startsWith(`${stem}.`)) continue;
    const env = name.slice(stem.length + 1, name.length - nodePath.extname(name).length);
    if (!family.includes(nodePath.extname(name)) || !ENVIRONMENT_NAME_PATTERN.test(env) || (env === 'schema' && ext === '.json') || found.has(env)) continue;
    found.set(env, nodePath.join(nodePath.dirname(source), name));
  }
  return found;
}

/** Merges the selected environment's overlays, validates the result and builds the definition. */
function loadPipelineData(base: unknown, options: LoadDataOptions): PipelineDefinition {
  const { env } = options;
  let data = base;
  let environment: ActiveEnvironment | undefined;
  const issues: PlanIssue[] = [];
  if (env !== undefined) {
    const inline = isRecord(base) && isRecord(base.environments) ? base.environments[env] : undefined;
    const overlays: OverlaySource[] = [
      ...(inline === undefined ? [] : [{ source: `environments.${env}`, data: inline }]),
      ...(options.overlay === undefined ? [] : [{ source: options.overlay.source, data: withoutSchemaKey(options.overlay.data) }]),
    ];
    const merged = mergeEnvironment(base, env, overlays, 'fn');
    data = merged.merged;
    environment = merged.environment;
    issues.push(...merged.issues, ...overlayFileIssues(options.overlay));
  }
  const unknownStages = new Set(issues.flatMap((i) => (i.stageId === undefined ? [] : [i.stageId])));

  const parsed = pipelineFileSchema.safeParse(data);
  if (!parsed.success) issues.push(...planIssuesFromZod(parsed.error, data).filter((i) => i.stageId === undefined || !unknownStages.has(i.stageId)));

  const baseDir = nodePath.resolve(options.baseDir);
  const load = createRequire(nodePath.join(baseDir, 'pipeline.js'));
  const entries = stageEntries(data);
  const functions = new Map<string, ResolvedFunction>();
  for (const [id, stage] of entries) {
    const reference = typeof stage.fn === 'string' && FN_REFERENCE_PATTERN.test(stage.fn) ? parseFnReference(stage.fn) : undefined;
    if (!reference) continue;
    const resolved = resolveFunction(load, id, reference, baseDir);
    if ('run' in resolved) functions.set(id, resolved);
    else issues.push(resolved);
  }
  const periods = isRecord(data) ? data.periods : undefined;
  let stateHash: ResolvedFunction | undefined;
  const stateHashRef = isRecord(periods) && typeof periods.stateHash === 'string' && FN_REFERENCE_PATTERN.test(periods.stateHash) ? parseFnReference(periods.stateHash) : undefined;
  if (stateHashRef) {
    const resolved = resolveExport(load, stateHashRef, baseDir, 'periods.stateHash', 'The periods\' `stateHash`');
    if ('run' in resolved) stateHash = resolved;
    else issues.push(resolved);
  }
  const edges = periodEdges(entries, periods);
  issues.push(...edges.issues, ...itemIssues(entries), ...serviceIssues(entries, true), ...graphIssues(edges.edges));
  if (issues.length > 0 || !parsed.success) throw planInvalidError(attributeIssues(issues, environment));
  const file = options.executor === undefined ? parsed.data : { ...parsed.data, executor: options.executor };
  return toDefinition(file, functions, baseDir, stateHash, fileSecrets(file, options), environment);
}

/** The values of the file's secrets, and in `names` mode the variables of those that are unset. @throws SECRET_MISSING in `values` mode */
function fileSecrets(file: PipelineFile, options: LoadDataOptions): Pick<PipelineDefinition, 'secrets' | 'unsetSecrets'> {
  if (file.secrets === undefined) return {};
  if (options.secrets === 'values') return { secrets: readSecretVariables(file.name, file.secrets, options.variables) };
  const { values, unset } = splitSecretVariables(file.secrets, options.variables);
  return { secrets: values, ...(Object.keys(unset).length === 0 ? {} : { unsetSecrets: unset }) };
}

/** An overlay file's `$schema` (for editors) is not a field it overlays. */
function withoutSchemaKey(data: unknown): unknown {
  if (!isRecord(data) || !('$schema' in data)) return data;
  const { $schema: _schema, ...rest } = data;
  return rest;
}

/** An overlay file cannot declare environments of its own. */
function overlayFileIssues(overlay: OverlaySource | undefined): PlanIssue[] {
  if (overlay === undefined || !isRecord(overlay.data)) return [];
  return (['environments', 'environment'] as const)
    .filter((field) => field in (overlay.data as Record<string, unknown>))
    .map((field) => ({ code: 'PLAN_INVALID_FIELD' as const, path: field, message: `Unknown field \`${field}\` in the overlay file \`${overlay.source}\`: an environment overlays the pipeline, it does not declare environments` }));
}

type RawStage = Record<string, unknown>;

/** `[id, stage]` for every stage with a usable id, from the map form or the array form. */
function stageEntries(data: unknown): [string, RawStage][] {
  const stages = isRecord(data) ? data.stages : undefined;
  const entries: [string, unknown][] = Array.isArray(stages)
    ? stages.map((s): [string, unknown] => [isRecord(s) && typeof s.id === 'string' ? s.id : '', s])
    : isRecord(stages)
      ? Object.entries(stages)
      : [];
  return entries.filter((e): e is [string, RawStage] => isValidStageId(e[0]) && isRecord(e[1]));
}

/** A stage function and `fn` with its module resolved to an absolute file path (what a worker thread loads). */
interface ResolvedFunction {
  readonly run: StageFn;
  readonly fnPath: string;
}

function resolveFunction(load: NodeRequire, id: string, reference: FnReference, baseDir: string): ResolvedFunction | PlanIssue {
  const resolved = resolveExport(load, reference, baseDir, `stages.${id}.fn`, `Stage \`${id}\``);
  return 'run' in resolved ? resolved : { ...resolved, stageId: id };
}

/** Loads `module#export` from `baseDir`; a `PLAN_UNKNOWN_FUNCTION` issue at `path` when it cannot. */
function resolveExport(load: NodeRequire, reference: FnReference, baseDir: string, path: string, owner: string): ResolvedFunction | PlanIssue {
  const { module: moduleName, exportName } = reference;
  const issue = (message: string): PlanIssue => ({ code: 'PLAN_UNKNOWN_FUNCTION', path, message });
  let modulePath: string;
  try {
    modulePath = load.resolve(moduleName);
  } catch {
    return issue(`${owner}: cannot find module \`${moduleName}\` (resolved from \`${baseDir}\`)`);
  }
  let mod: unknown;
  try {
    ensureTypeScriptLoader(modulePath);
    mod = load(moduleName);
  } catch (e) {
    return issue(`${owner}: module \`${moduleName}\` failed to load: ${errorMessage(e)}`);
  }
  const exports = (typeof mod === 'object' && mod !== null) || typeof mod === 'function' ? (mod as Record<string, unknown>) : {};
  const value = exports[exportName];
  if (typeof value === 'function') return { run: value as StageFn, fnPath: formatFnReference({ module: modulePath, exportName }) };
  if (value === undefined) {
    const functionNames = Object.keys(exports).filter((k) => typeof exports[k] === 'function');
    return issue(`${owner}: module \`${moduleName}\` has no export \`${exportName}\`${didYouMean(exportName, functionNames)}`);
  }
  return issue(`${owner}: export \`${exportName}\` of module \`${moduleName}\` is not a function, got a ${typeof value}`);
}

function omitUndefined<T extends object>(value: T): T {
  return Object.fromEntries(Object.entries(value).filter(([, v]) => v !== undefined)) as T;
}

function toDefinition(
  file: PipelineFile,
  functions: ReadonlyMap<string, ResolvedFunction>,
  baseDir: string,
  stateHash: ResolvedFunction | undefined,
  secrets: Pick<PipelineDefinition, 'secrets' | 'unsetSecrets'>,
  environment: ActiveEnvironment | undefined,
): PipelineDefinition {
  const stages: [string, PipelineFileStage][] = Array.isArray(file.stages)
    ? file.stages.map(({ id, ...stage }) => [id, stage])
    : Object.entries(file.stages);
  const definitions: StageDefinition[] = stages.map(([id, stage]) => {
    if (stage.kind === 'service' && stage.service !== undefined) {
      // A service's working folder is relative to the file's folder, as `fn` modules are.
      const { cwd } = stage.service;
      const service = cwd === undefined ? stage.service : { ...stage.service, cwd: nodePath.resolve(baseDir, cwd) };
      return omitUndefined({ id, run: serviceStandIn, ...stage, service });
    }
    const { run, fnPath } = functions.get(id)!;
    // A worker thread or queue worker cannot resolve `fn` from this file's folder: such a stage carries the absolute path.
    // `codeDeps` paths are relative to the file's folder; compiling resolves relative ones from the working directory.
    const codeDeps = stage.codeDeps?.map((dep) => nodePath.resolve(baseDir, dep));
    const loadedElsewhere = stage.isolation === 'thread' || (stage.executor ?? file.executor)?.kind === 'bullmq';
    return omitUndefined({ id, run, ...stage, codeDeps, ...(loadedElsewhere ? { fnPath } : {}) });
  });
  // The overlays are merged already: the definition is the merged one.
  const { $schema: _schema, stages: _stages, periods, secrets: _declared, environments: _environments, ...pipeline } = file;
  const { stateHash: _ref, ...axis } = periods ?? { name: '' };
  const withPeriods =
    periods === undefined
      ? {}
      : { periods: omitUndefined({ ...axis, ...(stateHash === undefined ? {} : { stateHash: stateHash.run as unknown as PeriodStateHash }) }) };
  return omitUndefined({ ...pipeline, ...withPeriods, stages: definitions, ...secrets, environment });
}
