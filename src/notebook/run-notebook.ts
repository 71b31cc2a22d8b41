import { spawn } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { DagbookError } from '../errors';

/**
 * Runs a notebook headlessly through the project's nbclient-based runner
 * (dagbook's `scripts/nb_run.py`, in the project's virtualenv), which copes with tslab's
 * error quirks. Used by `dagbook nb run` and by the tests.
 */

/** Options of {@link runNotebook}. */
export interface RunNotebookOptions {
  /** Write the executed notebook (with outputs) here. */
  readonly outPath?: string;
  /** Per-cell timeout, ms. @default 120000 */
  readonly cellTimeoutMs?: number;
  /** Kernel name. @default the notebook's own, else `tslab` */
  readonly kernel?: string;
  /** The project whose `.venv/` runs the notebook. @default this package's root */
  readonly projectRoot?: string;
  /** Called with the runner's stderr text as it arrives. */
  readonly onLog?: (text: string) => void;
  /** Extra environment variables for the kernel (e.g. `DAGBOOK_STATE_DIR`). @default {} */
  readonly env?: Readonly<Record<string, string>>;
}

/** The outcome of one code cell. */
export interface CellReport {
  /** Position among all the notebook's cells (markdown included), from 1: the cell as JupyterLab counts it. */
  readonly cell: number;
  /** Index among all cells, from 0. */
  readonly index: number;
  /** The execution count JupyterLab shows in the cell's prompt (`[2]`), or null when the kernel gave none. */
  readonly executionCount: number | null;
  /** First non-empty line of the cell's source. */
  readonly firstLine: string;
  /** `ok`, `error`, `timeout` or `aborted`. */
  readonly status: 'ok' | 'error' | 'timeout' | 'aborted';
  /** The line naming the error, when it failed. */
  readonly error?: string;
  /** The whole error text (stack included), when it failed. */
  readonly detail?: string;
  /** Wall time, ms. */
  readonly durationMs: number;
}

/** What running a notebook produced. */
export interface NotebookReport {
  /** The notebook's path. */
  readonly notebook: string;
  /** Kernel used. */
  readonly kernel: string;
  /** True when every code cell succeeded. */
  readonly ok: boolean;
  /** Every code cell, in order. */
  readonly cells: readonly CellReport[];
  /** The cells that did not succeed. */
  readonly failures: readonly CellReport[];
  /** Wall time, ms. */
  readonly durationMs: number;
}

/** The dagbook package's folder (holding its package.json, `scripts/`, `setup/` and `templates/`). */
export function packageRoot(): string {
  return path.resolve(__dirname, '..', '..');
}

/**
 * Runs every code cell of a notebook in a fresh kernel started in the
 * notebook's folder; later cells still run after a failing one, and every
 * failing cell is reported.
 * @throws SETUP_FAILED when the virtualenv is missing, NOTEBOOK_CELL_FAILED never (see `ok`)
 */
export async function runNotebook(notebookPath: string, options: RunNotebookOptions = {}): Promise<NotebookReport> {
  const root = options.projectRoot ?? packageRoot();
  const python = path.join(root, '.venv', 'bin', 'python');
  if (!fs.existsSync(python)) {
    throw new DagbookError('SETUP_FAILED', `No virtualenv at ${path.join(root, '.venv')}: run \`npm start\` or \`npm test\` once to set up.`);
  }
  if (!fs.existsSync(notebookPath)) {
    throw new DagbookError('INVALID_OPTION', `Notebook not found: \`${notebookPath}\``);
  }
  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'dagbook-nb-'));
  const reportPath = path.join(tmp, 'report.json');
  const args = [
    path.join(packageRoot(), 'scripts', 'nb_run.py'),
    notebookPath,
    '--report',
    reportPath,
    '--timeout',
    String((options.cellTimeoutMs ?? 120_000) / 1000),
  ];
  if (options.outPath) args.push('--out', options.outPath);
  if (options.kernel) args.push('--kernel', options.kernel);

  let stderr = '';
  const code = await new Promise<number | null>((resolve, reject) => {
    const child = spawn(python, args, { stdio: ['ignore', 'ignore', 'pipe'], env: { ...process.env, JUPYTER_PLATFORM_DIRS: '1', ...options.env } });
    child.stderr.setEncoding('utf8');
    child.stderr.on('data', (chunk: string) => {
      stderr += chunk;
      options.onLog?.(chunk);
    });
    child.on('error', reject);
    child.on('close', resolve);
  });
  try {
    if (!fs.existsSync(reportPath)) {
      throw new DagbookError('SETUP_FAILED', `The notebook runner exited with code ${code} without a report:\n${stderr.trim()}`);
    }
    return JSON.parse(fs.readFileSync(reportPath, 'utf8')) as NotebookReport;
  } finally {
    fs.rmSync(tmp, { recursive: true, force: true });
  }
}

/** A cell as JupyterLab shows it: `cell 3 [2]` (its position, then its execution count when it has one). */
export function cellLabel(cell: Pick<CellReport, 'cell' | 'executionCount'>): string {
  return `cell ${cell.cell}${cell.executionCount === null ? '' : ` [${cell.executionCount}]`}`;
}

/** One line per failing cell: `cell 3 [2] (\`throw ...\`): Error: boom`. */
export function describeFailures(report: NotebookReport): string {
  return report.failures.map((f) => `${cellLabel(f)} (\`${f.firstLine}\`): ${f.error}`).join('\n');
}
