import * as path from 'node:path';
import { defaultStateDir } from '../../src/notebook/workbench-state';
import { PIPELINE_DIR } from './phase-io';

/**
 * Where the profiling pipeline's own files (the HTML report) go: the
 * pipeline's folder in the state folder, `<stateDir>/<pipeline>/`, beside the
 * run state the workbench or `dagbook run` keeps there. A stage is not told
 * the run's state folder, so it follows the same rules they do.
 */

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
  const folder = path.join(stateDir, pipeline);
  const resolved = path.resolve(folder, file);
  return path.isAbsolute(file) || !resolved.startsWith(folder + path.sep) ? undefined : resolved;
}
