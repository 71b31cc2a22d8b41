import * as path from 'node:path';
import { InvalidArgumentError, type Command } from 'commander';
import type { DaemonLogLine } from '../daemon/daemon-log';
import { PipelineDaemon } from '../daemon/pipeline-daemon';
import { parseInterval } from '../daemon/tick-schedule';
import { loadPipelineFile } from '../definition/load-file';
import { errorMessage } from '../errors';
import { defaultStateDir } from '../notebook/workbench-state';
import { compilePipeline } from '../plan/compile';
import type { CompiledPipeline } from '../plan/plan';
import type * as StatusServerModule from '../serve/status-server';
import type { StatusServer } from '../serve/status-server';
import { DEFAULT_SERVE_PORT } from '../serve/serve-options';
import { integerOption } from './numeric-options';

/**
 * `dagbook watch <pipeline> --every 5m`: the pipeline as a daemon
 * (daemon/pipeline-daemon.ts) — a tick every interval, one JSON log line per
 * daemon event on stdout, until SIGTERM or SIGINT; then the tick in progress
 * gets `--grace` to finish its running items, the services this process
 * supervises are stopped (unless `--keep-services`), the status server (with
 * `--serve`) is closed, and it exits 0 (at most 2 s later, even when a stage
 * that ignored its cancellation still holds the event loop). A pipeline file that does not load
 * exits 1 before anything starts, its coded error on stderr and in a
 * `start_failed` line.
 */

/** How long after stopping a process kept alive by abandoned work is let live, ms. */
const ABANDONED_WORK_EXIT_MS = 2000;

interface WatchCommandOptions {
  every: number;
  grace: number;
  env?: string;
  stateDir?: string;
  serve?: boolean;
  port: number;
  host: string;
  token?: string;
  keepServices?: boolean;
}

/** A duration option (`30s`, `5m`, `1h`, or ms) for commander: a bad one exits 2 naming the option and the text. */
function durationOption(option: string) {
  return (text: string): number => {
    try {
      return parseInterval(text, option);
    } catch (error) {
      throw new InvalidArgumentError(errorMessage(error));
    }
  };
}

/** Adds `dagbook watch` to `program`; `out` prints a line, `exit` sets the exit code. */
export function addWatchCommand(program: Command, out: (line: string) => void, exit: (code: number) => void): void {
  program
    .command('watch')
    .description(
      'keep a pipeline going: an incremental run every interval (new and changed items, the rest from cache), a heartbeat, state/<pipeline>/daemon.json, one JSON log line per event on stdout; SIGTERM or SIGINT stops it gracefully',
    )
    .argument('<pipeline>', 'pipeline file (YAML or JSON)')
    .option('--every <interval>', 'time between the starts of two ticks: 30s, 5m, 1h, or milliseconds', durationOption('--every'), 5 * 60_000)
    .option('--grace <duration>', 'on SIGTERM/SIGINT, how long running items may go on before they are cancelled', durationOption('--grace'), 30_000)
    .option('--keep-services', 'leave the services of service stages running when stopping')
    .option('--env <name>', 'environment whose overlays are merged over the pipeline (default: $DAGBOOK_ENV when the pipeline declares environments)')
    .option('--state-dir <dir>', 'state folder (default: state/ beside the nearest package.json)')
    .option('--serve', 'also serve the status (GET /health, /status, /runs, the dashboard) from this process')
    .option('--port <port>', 'port of the status server (0: a free one)', integerOption('--port', 0, 65535), DEFAULT_SERVE_PORT)
    .option('--host <host>', 'address of the status server; any but loopback needs a token', '127.0.0.1')
    .option('--token <token>', 'bearer token of the status server (default: $DAGBOOK_TOKEN)')
    .action(async (file: string, opts: WatchCommandOptions) => {
      const log = (line: DaemonLogLine | Record<string, unknown>) => out(JSON.stringify(line));
      const stateDir = path.resolve(opts.stateDir ?? process.env.DAGBOOK_STATE_DIR ?? defaultStateDir(process.cwd()));
      let compiled: CompiledPipeline;
      try {
        compiled = compilePipeline(await loadPipelineFile(file, { variables: process.env, ...(opts.env === undefined ? {} : { env: opts.env }) }));
      } catch (error) {
        log({ ts: new Date().toISOString(), level: 'error', event: 'start_failed', pipeline: null, file, code: (error as { code?: unknown }).code ?? null, message: errorMessage(error) });
        throw error;
      }
      let server: StatusServer | undefined;
      if (opts.serve === true) {
        // Loaded here, not with the CLI: only a daemon that serves needs fastify.
        const { startStatusServer } = require('../serve/status-server') as typeof StatusServerModule;
        const token = opts.token ?? (process.env.DAGBOOK_TOKEN || undefined);
        const pipeline = { name: compiled.plan.name, compiled: () => compiled, baseDir: path.dirname(path.resolve(file)), file: path.relative(process.cwd(), path.resolve(file)) };
        server = await startStatusServer({ stateDir, pipelines: [pipeline], host: opts.host, port: opts.port, ...(token === undefined ? {} : { token }) });
      }
      const daemon = new PipelineDaemon({
        compiled,
        stateDir,
        baseDir: path.dirname(path.resolve(file)),
        intervalMs: opts.every,
        log,
        ...(compiled.plan.environment === undefined ? {} : { env: compiled.plan.environment.name }),
        ...(server === undefined ? {} : { announce: { serve_url: server.url } }),
      });
      let stopping: Promise<void> | undefined;
      const onSignal = (signal: NodeJS.Signals) => {
        stopping ??= daemon.stop({ graceMs: opts.grace, keepServices: opts.keepServices === true, reason: signal });
      };
      process.on('SIGINT', onSignal);
      process.on('SIGTERM', onSignal);
      try {
        await daemon.start();
        await stopping;
      } finally {
        process.off('SIGINT', onSignal);
        process.off('SIGTERM', onSignal);
        await server?.close();
      }
      exit(0);
      // A stage that ignored its cancellation was abandoned by the run but may still hold the event loop (a timer, a
      // socket): the daemon has stopped and recorded what ended, so the process ends anyway, shortly after.
      setTimeout(() => {
        process.stderr.write('dagbook watch: work abandoned after the grace (a stage ignored its cancellation) kept the process alive; exiting\n');
        process.exit(0);
      }, ABANDONED_WORK_EXIT_MS).unref();
    });
}
