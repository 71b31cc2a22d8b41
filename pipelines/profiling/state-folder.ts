import * as path from 'node:path';
import { defaultStateDir } from '../../src/notebook/workbench-state';
import { PIPELINE_DIR } from './phase-io';

/**
 * Where the profiling pipeline's own files (the HTML report) go: the
 * pipeline's folder in the state folder, `<stateDir>/<pipeline>/`, beside the
 * run state the workbench or `dagbook run` keeps there. A run that keeps its
 * state on disk tells its stages that folder (`ctx.stateDir`); a run with an
 * in-memory store does not, and the folder then follows the rules the
 * workbench and the CLI follow.
 */

/**
 * The pipeline's state folder: the run's own (`ctx.stateDir`) when it has
 * one, else `<resolveStateDir(stateDir)>/<pipeline>`.
 */
export function pipelineFolder(
  runFolder: string | undefined,
  stateDir: string | undefined,
  pipeline: string,
  env: Readonly<Record<string, string | undefined>> = process.env,
): string {
  return runFolder ?? path.join(resolveStateDir(stateDir, env), pipeline);
}

/**
 * The state folder: `stateDir` when given (relative paths resolve from the
 * pipeline folder), else `$DAGBOOK_STATE_DIR`, else `state/` beside the
 * nearest package.json above the pipeline folder — the workbench's and the
 * CLI's rules, so the file lands beside the run's own state.
 */
export function resolveStateDir(stateDir: string | undefined, env: Readonly<Record<string, string | undefined>> = process.env): string {
  if (stateDir !== undefined) return path.resolve(PIPELINE_DIR, stateDir);
  const fromEnv = env.DAGBOOK_STATE_DIR;
  return fromEnv ? path.resolve(fromEnv) : defaultStateDir(PIPELINE_DIR);
}

/**
 * Absolute path of `file` inside the pipeline's state folder
 * `<stateDir>/<pipeline>/`. Undefined when `file` is absolute or climbs out
 * of that folder.
 */
export function pipelineStatePath(stateDir: string, pipeline: string, file: string): string | undefined {
  return pathInFolder(path.join(stateDir, pipeline), file);
}

/** Absolute path of `file` inside `folder`; undefined when `file` is absolute or climbs out of it. */
export function pathInFolder(folder: string, file: string): string | undefined {
  const resolved = path.resolve(folder, file);
  return path.isAbsolute(file) || !resolved.startsWith(folder + path.sep) ? undefined : resolved;
}
