import type { ItemRunOptions } from '../run/item-options';
import * as path from 'node:path';
import { Option, type Command } from 'commander';
import { pipelineFileJsonSchema } from '../definition/json-schema';
import type { ExecutorOptions, FailurePolicy } from '../definition/types';
import { DagbookError } from '../errors';
import { openWorkbench } from '../notebook/workbench';
import type { WorkbenchOptions } from '../notebook/workbench-options';
import { openDurableStore, type DurableStore, type RetentionResult } from '../store/durable-store';
import { DEFAULT_RETENTION } from '../store/retention';
import { graphCommand } from './graph-command';
import { integerOption, nonNegativeNumberOption } from './numeric-options';
import { checkStageArguments } from './stage-arguments';
import { terminalProgress } from './terminal-progress';
import { superviseInForeground } from './stop-command';

/**
 * The pipeline commands of the CLI: run, plan (the dry run), status, errors,
 * reset, graph, gc, clean and schema. Each is a thin shell over the
 * workbench, which prints plain text outside a notebook; its error analysis
 * gives the next step as a `dagbook` command, and stage ids named on the
 * command line are checked before anything runs.
 */

/** What a command action reports back to `main`. */
export interface CommandIo {
  /** Writes a line to stdout. */
  out(line: string): void;
  /** Sets the process exit code. */
  exit(code: number): void;
}

interface CommonOptions {
  stateDir?: string;
  env?: string;
}

interface RunCommandOptions extends CommonOptions {
  only?: boolean;
  from?: boolean;
  force?: boolean;
  maxParallel?: number;
  keepGoing?: boolean;
  failFast?: boolean;
  resume?: boolean | string;
  executor?: 'local' | 'bullmq';
  redis?: string;
  queue?: string;
}

/**
 * The executor `--executor`, `--redis` and `--queue` name, or undefined when none is given.
 * @throws DagbookError `INVALID_OPTION` when `bullmq` lacks `--redis`, or `--redis`/`--queue` come without `--executor bullmq`.
 */
export function executorArgument(opts: Pick<RunCommandOptions, 'executor' | 'redis' | 'queue'>): ExecutorOptions | undefined {
  if (opts.executor === 'bullmq') {
    if (opts.redis === undefined) throw new DagbookError('INVALID_OPTION', '`--executor bullmq` needs `--redis <url>`, e.g. `--redis redis://127.0.0.1:6379`', { errorClass: 'logic' });
    return { kind: 'bullmq', connection: opts.redis, ...(opts.queue === undefined ? {} : { queue: opts.queue }) };
  }
  const stray = opts.redis !== undefined ? '--redis' : opts.queue !== undefined ? '--queue' : undefined;
  if (stray !== undefined) {
    throw new DagbookError('INVALID_OPTION', `\`${stray}\` is for \`--executor bullmq\`, got \`--executor ${opts.executor ?? '(none)'}\``, { errorClass: 'logic' });
  }
  return opts.executor === 'local' ? { kind: 'local' } : undefined;
}

/** For the commands that run no stage (plan, status, errors, graph, reset, gc, clean): a secret's name is enough, its variable may be unset. */
const READING: Partial<WorkbenchOptions> = { secrets: 'names' };

function workbenchOptions(file: string, opts: CommonOptions, io: CommandIo, extra: Partial<WorkbenchOptions> = {}): WorkbenchOptions {
  return {
    ...(opts.stateDir ? { stateDir: path.resolve(opts.stateDir) } : {}),
    ...(opts.env === undefined ? {} : { env: opts.env }),
    sink: (text) => io.out(text),
    nextStepTarget: { kind: 'cli', pipelineFile: file, ...(opts.stateDir ? { stateDir: opts.stateDir } : {}), ...(opts.env === undefined ? {} : { env: opts.env }) },
    ...extra,
  };
}

/** Opens the durable state of a pipeline file for `fn`, and closes it after. */
async function withPipelineStore(file: string, opts: CommonOptions, io: CommandIo, fn: (store: DurableStore) => Promise<void>): Promise<void> {
  const wb = await openWorkbench(file, { quiet: true, ...workbenchOptions(file, opts, io, READING) });
  const store = await openDurableStore({ stateDir: wb.stateDirectory, pipeline: wb.name });
  try {
    await fn(store);
  } finally {
    await store.close();
  }
}

/** The period options of `run` and `plan`, as commander gives them. */
interface PeriodCommandOptions {
  readonly period?: string;
  readonly periods?: string;
  readonly fromPeriod?: string;
}

const periodOptions = {
  period: ['--period <period>', 'only this period of the per-period stages (e.g. 2027)'],
  periods: ['--periods <range>', 'only these periods of the per-period stages: a range (2027..2029) or a comma-separated list'],
  fromPeriod: ['--from-period <period>', 'this period of the per-period stages and every later one (with what reads every period)'],
} as const;

/** The workbench's period options from the command line's. */
function periodArguments(opts: PeriodCommandOptions): { period?: string; periods?: string[]; fromPeriod?: string } {
  return {
    ...(opts.period === undefined ? {} : { period: opts.period }),
    ...(opts.periods === undefined ? {} : { periods: opts.periods.split(',').map((p) => p.trim()).filter((p) => p.length > 0) }),
    ...(opts.fromPeriod === undefined ? {} : { fromPeriod: opts.fromPeriod }),
  };
}

/** The item options of `run`, as commander gives them. */
interface ItemCommandOptions {
  readonly retryFailed?: boolean;
  readonly itemsMode?: 'incremental' | 'full' | 'test';
  readonly sample?: number;
  readonly item: string[];
  readonly skipItem: string[];
}

/** Collects a repeatable option's values. */
function collect(value: string, previous: string[]): string[] {
  return [...previous, value];
}

/** The workbench's item options from the command line's (none when none is given). */
function itemArguments(opts: ItemCommandOptions): { items?: ItemRunOptions } {
  const items: ItemRunOptions = {
    ...(opts.itemsMode === undefined ? {} : { mode: opts.itemsMode }),
    ...(opts.sample === undefined ? {} : { sample: opts.sample }),
    ...(opts.item.length === 0 ? {} : { only: opts.item }),
    ...(opts.skipItem.length === 0 ? {} : { skip: opts.skipItem }),
    ...(opts.retryFailed === true ? { retryFailed: true } : {}),
  };
  return Object.keys(items).length === 0 ? {} : { items };
}

/** Adds the pipeline commands to `program`. */
export function addPipelineCommands(program: Command, io: CommandIo): void {
  const stateOption = ['--state-dir <dir>', 'state folder (default: state/ beside the nearest package.json)'] as const;
  const envOption = ['--env <name>', "environment whose overlays are merged over the pipeline (default: $DAGBOOK_ENV when the pipeline declares environments)"] as const;

  program
    .command('run')
    .description('run a pipeline (or stages and what they need); up-to-date stages are restored from cache')
    .argument('<pipeline>', 'pipeline file (YAML or JSON)')
    .argument('[stages...]', 'stages to run, with their upstream (default: all)')
    .option('--only', 'run exactly the named stages (their upstream outputs must be stored)')
    .option('--from', 'run the named stage and everything downstream of it')
    .option('--force', 're-run the named stages (all, when none is named) regardless of the cache')
    .option('--max-parallel <n>', 'stages running at once', integerOption('--max-parallel', 1))
    .addOption(new Option('--keep-going', "after a failure, keep running every stage that does not need the failed one (default: the pipeline's failurePolicy, else fail-fast)").conflicts('failFast'))
    .addOption(new Option('--fail-fast', 'after a failure, start no further stage'))
    .option('--resume [run-id]', 'resume an interrupted or failed run (default: the latest run)')
    .addOption(new Option('--executor <kind>', "where stage attempts run, replacing the pipeline's executor (a stage's own still applies): local, or bullmq (`dagbook worker` processes, with --redis)").choices(['local', 'bullmq']))
    .option('--redis <url>', 'Redis URL of the bullmq executor, e.g. redis://127.0.0.1:6379')
    .option('--queue <name>', 'queue of the bullmq executor (default: dagbook)')
    .option(...periodOptions.period)
    .option(...periodOptions.periods)
    .option(...periodOptions.fromPeriod)
    .option('--retry-failed', 'run only the items that failed last time (of the named per-item stages, else of all), and what depends on them')
    .addOption(new Option('--items-mode <mode>', 'items of the per-item stages: incremental (new, changed, failed), full (all) or test (a sample)').choices(['incremental', 'full', 'test']))
    .option('--sample <n>', 'items in a test run (--items-mode test)', integerOption('--sample', 1))
    .option('--item <id>', 'run only this item of the per-item stages (repeatable)', collect, [])
    .option('--skip-item <id>', 'do not run this item (repeatable); it keeps its last output', collect, [])
    .option(...stateOption)
    .option(...envOption)
    .action(async (file: string, stages: string[], opts: RunCommandOptions & PeriodCommandOptions & ItemCommandOptions) => {
      const tty = process.stdout.isTTY === true;
      const progress = tty ? terminalProgress(process.stdout) : undefined;
      const executor = executorArgument(opts);
      const wb = await openWorkbench(
        file,
        workbenchOptions(file, opts, io, { ...(progress ? { eventLines: false, listeners: [progress.listener] } : {}), ...(executor === undefined ? {} : { executor }) }),
      );
      checkStageArguments(wb.compiled().plan, stages);
      progress?.usePlan(wb.compiled().plan);
      const target = stages.length === 0 ? undefined : stages;
      const force = opts.force ? (target ? target : true) : undefined;
      try {
        const failurePolicy: FailurePolicy | undefined = opts.keepGoing ? 'keep-going' : opts.failFast ? 'fail-fast' : undefined;
        const overrides = { ...(opts.maxParallel === undefined ? {} : { maxParallel: opts.maxParallel }), ...(failurePolicy ? { failurePolicy } : {}) };
        const result = opts.resume
          ? await wb.resume(typeof opts.resume === 'string' ? opts.resume : undefined, overrides)
          : await wb.run(target, {
              only: opts.only,
              downstream: opts.from || (opts.retryFailed === true && target !== undefined),
              ...(force ? { force } : {}),
              ...overrides,
              ...periodArguments(opts),
              ...itemArguments(opts),
            });
        io.exit(result.status === 'SUCCEEDED' ? 0 : 1);
      } finally {
        progress?.stop();
      }
      await superviseInForeground(io);
    });

  program
    .command('plan')
    .alias('dry-run')
    .description('say what a run would do and why, without running anything')
    .argument('<pipeline>', 'pipeline file')
    .argument('[stages...]', 'stages (with their upstream)')
    .option('--force', 'as if the stages were forced')
    .option(...periodOptions.period)
    .option(...periodOptions.periods)
    .option(...periodOptions.fromPeriod)
    .option(...stateOption)
    .option(...envOption)
    .action(async (file: string, stages: string[], opts: CommonOptions & PeriodCommandOptions & { force?: boolean }) => {
      const wb = await openWorkbench(file, workbenchOptions(file, opts, io, READING));
      checkStageArguments(wb.compiled().plan, stages);
      await wb.plan(stages.length ? stages : undefined, { ...(opts.force ? { force: stages.length ? stages : true } : {}), ...periodArguments(opts) });
    });

  program
    .command('status')
    .description("every stage's state, last run and duration; stale stages marked")
    .argument('<pipeline>', 'pipeline file')
    .option(...stateOption)
    .option(...envOption)
    .action(async (file: string, opts: CommonOptions) => {
      const wb = await openWorkbench(file, workbenchOptions(file, opts, io, READING));
      await wb.status();
    });

  program
    .command('errors')
    .description("error analysis of a stage's latest failure, with the next step")
    .argument('<pipeline>', 'pipeline file')
    .argument('[stage]', 'stage (default: the latest failed one)')
    .option(...stateOption)
    .action(async (file: string, stage: string | undefined, opts: CommonOptions) => {
      const wb = await openWorkbench(file, workbenchOptions(file, opts, io, READING));
      checkStageArguments(wb.compiled().plan, stage === undefined ? [] : [stage]);
      await wb.errors(stage);
    });

  program
    .command('reset')
    .description('forget the cached outputs of a stage and its downstream (all stages when none is named)')
    .argument('<pipeline>', 'pipeline file')
    .argument('[stage]', 'stage')
    .option(...stateOption)
    .action(async (file: string, stage: string | undefined, opts: CommonOptions) => {
      const wb = await openWorkbench(file, workbenchOptions(file, opts, io, READING));
      checkStageArguments(wb.compiled().plan, stage === undefined ? [] : [stage]);
      await wb.reset(stage);
    });

  program
    .command('graph')
    .description('draw the DAG as SVG, each stage coloured by where it stands: up to date, stale, failed or never run')
    .argument('<pipeline>', 'pipeline file')
    .option('--out <file>', 'write here instead of stdout (and say what was written)')
    .option(...stateOption)
    .action(async (file: string, opts: CommonOptions & { out?: string }) => {
      const wb = await openWorkbench(file, { quiet: true, ...workbenchOptions(file, opts, io, READING) });
      io.out(await graphCommand(wb, opts.out));
    });

  program
    .command('gc')
    .description('drop cache entries past the cache policy and delete stored outputs that nothing points to')
    .argument('<pipeline>', 'pipeline file')
    .option('--verify', 'also check every stored output and delete the damaged ones, so their stages run again (exits 1 when it found any)')
    .option(...stateOption)
    .action(async (file: string, opts: CommonOptions & { verify?: boolean }) => {
      const wb = await openWorkbench(file, workbenchOptions(file, opts, io, READING));
      const result = await wb.gc({ verify: opts.verify === true });
      if (result.damaged.length > 0) io.exit(1);
    });

  program
    .command('clean')
    .description(
      'apply the retention policy now: delete runs (and their folders) older than the limits or past --max-runs, ' +
        'logs of older kept runs, cache entries past the cache policy, then the outputs nothing refers to. ' +
        'A run applies the same policy when it begins. Deletes by default; --archive moves run folders to ' +
        'state/<pipeline>/archive/, where they stay until you delete them',
    )
    .argument('<pipeline>', 'pipeline file')
    .addOption(new Option('--archive', 'move retired run folders to state/<pipeline>/archive/ instead of deleting them (nothing prunes archive/)').conflicts('delete'))
    .addOption(new Option('--delete', 'delete retired run folders (the default)').hideHelp())
    .option('--failed-days <n>', 'keep failed runs this many days', nonNegativeNumberOption('--failed-days'), DEFAULT_RETENTION.failedRunDays)
    .option('--success-days <n>', 'keep successful runs this many days', nonNegativeNumberOption('--success-days'), DEFAULT_RETENTION.successRunDays)
    .option('--log-days <n>', 'keep run logs this many days', nonNegativeNumberOption('--log-days'), DEFAULT_RETENTION.logDays)
    .option('--max-runs <n>', 'keep at most this many ended runs', integerOption('--max-runs', 0), DEFAULT_RETENTION.maxRuns)
    .option(...stateOption)
    .action(async (file: string, opts: CommonOptions & { archive?: boolean; failedDays: number; successDays: number; logDays: number; maxRuns: number }) => {
      await withPipelineStore(file, opts, io, async (store) => {
        const result = await store.applyRetention({
          now: Date.now(),
          failedRunDays: opts.failedDays,
          successRunDays: opts.successDays,
          logDays: opts.logDays,
          maxRuns: opts.maxRuns,
          mode: opts.archive ? 'archive' : 'delete',
        });
        io.out(retentionReport(result, store.paths.archive));
      });
    });

  program
    .command('schema')
    .description('print the JSON Schema of the pipeline file format (for editor completion)')
    .action(() => {
      io.out(JSON.stringify(pipelineFileJsonSchema(), null, 2));
    });
}

/** What `clean` says it did: only what it did, "Nothing to clean" when nothing. */
export function retentionReport(result: RetentionResult & { readonly outputsRemoved: number }, archiveDir: string): string {
  const parts: string[] = [];
  const verb = result.mode === 'archive' ? `moved to ${archiveDir}` : 'deleted';
  if (result.runs.length > 0) parts.push(`${result.runs.length} run${result.runs.length === 1 ? '' : 's'} ${verb}`);
  if (result.logs.length > 0) parts.push(`${result.logs.length} log${result.logs.length === 1 ? '' : 's'} of kept runs ${verb}`);
  if (result.cacheEntriesDropped > 0) parts.push(`${result.cacheEntriesDropped} old cache entr${result.cacheEntriesDropped === 1 ? 'y' : 'ies'} dropped`);
  if (result.outputsRemoved > 0) parts.push(`${result.outputsRemoved} unreferenced output${result.outputsRemoved === 1 ? '' : 's'} deleted`);
  return parts.length === 0 ? 'Nothing to clean: every run, log and cache entry is within the retention policy.' : `Cleaned: ${parts.join('; ')}.`;
}
