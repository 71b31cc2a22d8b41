import { execFile } from 'node:child_process';
import * as path from 'node:path';
import { promisify } from 'node:util';

/** Helpers to run the example's Optuna study (`pipelines/trials/study.py`) for real in tests. */

const ROOT = path.resolve(__dirname, '../../..');

/** The pipeline file. */
export const TRIALS_FILE = path.join(ROOT, 'pipelines', 'trials.yaml');

/** vega-datasets' stocks.csv. */
export const STOCKS_CSV = path.join(ROOT, 'node_modules', 'vega-datasets', 'data', 'stocks.csv');

/** The project's virtualenv Python, where set-up installs optuna from requirements-dev.txt. */
export const VENV_PYTHON = path.join(ROOT, '.venv', 'bin', 'python');

/**
 * Adds a batch of `trials` trials to the study in `db` (created when missing), as the README says to run it;
 * resolves with the script's last line. Asynchronous: the process may be supervising services meanwhile.
 */
export async function runStudy(db: string, trials: number): Promise<string> {
  const { stdout } = await promisify(execFile)(VENV_PYTHON, [path.join(ROOT, 'pipelines', 'trials', 'study.py'), '--prices', STOCKS_CSV, '--db', db, '--trials', String(trials)], { encoding: 'utf8' });
  return stdout.trim().split('\n').pop() as string;
}
