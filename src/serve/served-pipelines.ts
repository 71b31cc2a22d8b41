import * as fs from 'node:fs';
import * as path from 'node:path';
import { loadPipelineFile } from '../definition/load-file';
import { DagbookError } from '../errors';
import { compilePipeline } from '../plan/compile';
import type { CompiledPipeline } from '../plan/plan';

/**
 * The pipelines a status server shows: each by name, with its compiled plan
 * (the DAG the dashboard draws, the per-item stages `/status` counts) and the
 * folder its declared input files are relative to. A server started from the
 * command line loads them from files; a notebook's server shows the
 * workbench's pipeline as the cells have changed it, so `compiled` is asked
 * again on every request rather than kept.
 */

/** One pipeline a status server shows. */
export interface ServedPipeline {
  /** Pipeline name (its state is `<stateDir>/<name>/`). */
  readonly name: string;
  /** The compiled pipeline as it is now. @throws PLAN_INVALID */
  compiled(): CompiledPipeline;
  /** Folder declared input files are relative to. */
  readonly baseDir: string;
  /** The pipeline file, when it came from one: error analyses then give the next step as a `dagbook` command. */
  readonly file?: string;
  /** The pipeline compiled for another environment (a run action's `env`), when it can be. @throws INVALID_OPTION for an unknown one */
  compiledIn?(env: string): Promise<CompiledPipeline>;
}

/** File endings of the pipeline files found in a folder (JSON files are taken only when named). */
const FOLDER_PIPELINE_FILE = /\.ya?ml$/;

/**
 * Loads pipeline files, and every `.yaml`/`.yml` file directly inside a
 * folder given, and compiles each once.
 * @throws DagbookError `INVALID_OPTION` naming a path that does not exist, a folder without pipeline files, or two files
 * of one pipeline name; the loader's own errors (`PLAN_INVALID_FILE`, `PLAN_INVALID`, ...) for a bad file.
 */
export async function loadServedPipelines(sources: readonly string[]): Promise<ServedPipeline[]> {
  const files: string[] = [];
  for (const source of sources) {
    const full = path.resolve(source);
    let stat: fs.Stats;
    try {
      stat = fs.statSync(full);
    } catch {
      throw new DagbookError('INVALID_OPTION', `Expected a pipeline file or a folder of them, got \`${source}\`: it does not exist`, { data: { path: full } });
    }
    if (!stat.isDirectory()) {
      files.push(full);
      continue;
    }
    const found = fs
      .readdirSync(full)
      .filter((name) => FOLDER_PIPELINE_FILE.test(name))
      .sort()
      .map((name) => path.join(full, name));
    if (found.length === 0) throw new DagbookError('INVALID_OPTION', `The folder \`${source}\` holds no pipeline file (\`*.yaml\` or \`*.yml\`)`, { data: { path: full } });
    files.push(...found);
  }
  const byName = new Map<string, { pipeline: ServedPipeline; file: string }>();
  for (const file of files) {
    // Serving reads the state: a secret's name is enough. A run started from the dashboard refuses to start
    // with SECRET_MISSING while a variable is unset.
    const compiled = compilePipeline(await loadPipelineFile(file, { secrets: 'names' }));
    const name = compiled.plan.name;
    const other = byName.get(name);
    if (other) {
      throw new DagbookError('INVALID_OPTION', `Two pipeline files name the pipeline \`${name}\`: ${other.file} and ${file}; serve one of them`, { data: { name } });
    }
    const compiledIn = async (env: string) => compilePipeline(await loadPipelineFile(file, { env, secrets: 'names' }));
    byName.set(name, { pipeline: { name, compiled: () => compiled, compiledIn, baseDir: path.dirname(file), file: path.relative(process.cwd(), file) }, file });
  }
  return [...byName.values()].map((entry) => entry.pipeline);
}
