import * as fs from 'node:fs';
import * as path from 'node:path';
import { Command } from 'commander';
import { VERSION } from '../version';
import { formatDuration } from '../display/format';
import { describeFailures, packageRoot, runNotebook } from '../notebook/run-notebook';
import { projectFolder } from '../project-folder';
import { initProject } from './init-command';
import { startLab } from './lab';
import { setUpProject } from './project-setup';
import { integerOption, positiveNumberOption } from './numeric-options';
import { notebookCommand } from './notebook-command';
import { addPipelineCommands } from './pipeline-commands';
import { addWorkerCommand } from './worker-command';
import { addWorkersCommand } from './workers-command';
import { addEventsCommands } from './events-command';
import { addStopCommand } from './stop-command';
import { addServeCommand } from './serve-command';
import { addWatchCommand } from './watch-command';
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

/**
 * The project whose `.venv/` runs a notebook: the one around the notebook
 * when it has a `.venv/` (a project made by `dagbook init`, or this
 * repository), else dagbook's own package folder.
 */
function notebookProject(notebook: string): string {
  const around = projectFolder(path.dirname(path.resolve(notebook)));
  return fs.existsSync(path.join(around, '.venv')) ? around : packageRoot();
}

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
    .command('init')
    .description(
      'make a workbench project in a folder (package.json, tsconfig.json, requirements-dev.txt, a welcome notebook, a starter pipeline, state/, .gitignore) without replacing any file, then set it up so that `npm start` opens JupyterLab there',
    )
    .argument('[dir]', 'the project folder, made when missing', '.')
    .option('--no-install', 'write the files only: no npm install, no virtualenv, no kernel')
    .action((dir: string, opts: { install: boolean }) => {
      exitCode = initProject({ dir, install: opts.install }, out);
    });

  program
    .command('lab')
    .description('open the notebook workbench (JupyterLab on the project around the working directory, bound to 127.0.0.1)')
    .option('--port <port>', 'port', integerOption('--port', 1, 65535), 8888)
    .option('--browser', 'open a browser', false)
    .option('--setup', 'set the project up first (node packages, .venv with JupyterLab, the kernels), as `npm start` of a project made by `dagbook init` does', false)
    .action(async (opts: { port: number; browser: boolean; setup: boolean }) => {
      const root = projectFolder(process.cwd());
      if (opts.setup) {
        exitCode = setUpProject({ root, dagbookDir: packageRoot() });
        if (exitCode !== 0) return;
      }
      exitCode = await startLab({ port: opts.port, browser: opts.browser, root }, out);
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
        const report = await runNotebook(notebook, {
          outPath: opts.out,
          cellTimeoutMs: opts.timeout * 1000,
          kernel: opts.kernel,
          projectRoot: notebookProject(notebook),
        });
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

  addWorkerCommand(program, out, (code) => {
    exitCode = code;
  });

  addWorkersCommand(program, out, (code) => {
    exitCode = code;
  });

  addStopCommand(program, { out, exit: (code) => (exitCode = code) });
  addServeCommand(program, out, (code) => {
    exitCode = code;
  });

  addWatchCommand(program, out, (code) => (exitCode = code));

  addPipelineCommands(program, {
    out,
    exit: (code) => {
      exitCode = code;
    },
  });
  addEventsCommands(program, { out, exit: (code) => (exitCode = code) });

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
