import { Command } from 'commander';
import { VERSION } from '../version';
import { formatDuration } from '../display/format';
import { describeFailures, runNotebook } from '../notebook/run-notebook';
import { startLab } from './lab';
import { integerOption, positiveNumberOption } from './numeric-options';
import { notebookCommand } from './notebook-command';
import { addPipelineCommands } from './pipeline-commands';
import { errorMessage } from '../errors';

/**
 * The `dagbook` command line; it decides the exit code (`bin/dagbook.js` sets
 * it). What it prints reaches stdout and stderr through `out` and `err` here,
 * the workbench's text sink (`out` again), the terminal progress bar on a TTY
 * (`terminal-progress.ts`) and, for `dagbook lab`, Jupyter's own output
 * passed through (`lab.ts`). The one other writer to stdout in the library is
 * the default text sink of `display/notebook-display.ts`, used by a workbench
 * opened outside a notebook without a sink.
 */

/** Runs the CLI with `argv` (as in process.argv); resolves with the exit code. */
export async function main(argv: readonly string[]): Promise<number> {
  let exitCode = 0;
  // A reader that closed the pipe (`dagbook run … | head`) wants no more output: the command goes on, silently,
  // so a run is not cut short by its reader (and `head` sees no stack trace).
  let stdoutClosed = false;
  process.stdout.on('error', (error: NodeJS.ErrnoException) => {
    if (error.code !== 'EPIPE' && !stdoutClosed) throw error;
    stdoutClosed = true;
  });
  const out = (line: string) => {
    if (!stdoutClosed) process.stdout.write(`${line}\n`);
  };
  const err = (line: string) => process.stderr.write(`${line}\n`);
  const program = new Command('dagbook').version(VERSION).description('Pipeline (DAG) orchestrator driven from Jupyter notebooks.');
  program.exitOverride();

  program
    .command('lab')
    .description('open the notebook workbench (JupyterLab on the project, bound to 127.0.0.1)')
    .option('--port <port>', 'port', integerOption('--port', 1, 65535), 8888)
    .option('--browser', 'open a browser', false)
    .action(async (opts: { port: number; browser: boolean }) => {
      exitCode = await startLab({ port: opts.port, browser: opts.browser }, out);
    });

  const nb = program.command('nb').description('notebook commands');
  nb.command('run')
    .description(
      'run notebooks headlessly in a fresh kernel; every cell runs, and each failing cell is named as JupyterLab shows it: its position (from 1, markdown cells counted) and its execution count [n]',
    )
    .argument('<notebooks...>', 'notebook files')
    .option('--out <path>', 'write the executed notebook here (one notebook only)')
    .option('--timeout <seconds>', 'per-cell timeout in seconds', positiveNumberOption('--timeout'), 120)
    .option('--kernel <name>', 'kernel name (default: the notebook’s own)')
    .action(async (notebooks: string[], opts: { out?: string; timeout: number; kernel?: string }) => {
      if (opts.out && notebooks.length > 1) {
        err('--out takes one notebook; run them one at a time to keep each executed copy.');
        exitCode = 2;
        return;
      }
      for (const notebook of notebooks) {
        const report = await runNotebook(notebook, { outPath: opts.out, cellTimeoutMs: opts.timeout * 1000, kernel: opts.kernel });
        if (report.ok) {
          out(`${notebook}: all ${report.cells.length} cells ok (${formatDuration(report.durationMs)})`);
        } else {
          err(`${notebook}: ${report.failures.length} of ${report.cells.length} cells failed:\n${describeFailures(report)}`);
          exitCode = 1;
        }
      }
    });

  program
    .command('notebook')
    .description(
      'generate the notebook of a pipeline: a dry run, a section per stage, the status at the end; again after the pipeline changed, it adds and removes stage sections and keeps the cells you wrote or edited',
    )
    .argument('<pipeline>', 'pipeline file (YAML or JSON)')
    .option('--out <path>', 'the notebook, inside the project (default: notebooks/<pipeline name>.ipynb)')
    .option('--force', 'also change a notebook dagbook did not generate, or generated from another pipeline (its cells are kept)')
    .action(async (file: string, opts: { out?: string; force?: boolean }) => {
      for (const line of await notebookCommand(file, { ...opts, cwd: process.cwd() })) out(line);
    });

  addPipelineCommands(program, {
    out,
    exit: (code) => {
      exitCode = code;
    },
  });

  try {
    await program.parseAsync(argv as string[]);
  } catch (error) {
    const code = (error as { code?: string }).code;
    if (code === 'commander.helpDisplayed' || code === 'commander.version' || code === 'commander.help') return 0;
    if (typeof code === 'string' && code.startsWith('commander.')) return 2;
    err(`dagbook: ${errorMessage(error)}`);
    return 1;
  }
  return exitCode;
}
