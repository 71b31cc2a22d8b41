import * as fs from 'node:fs';
import * as path from 'node:path';
import type { Command } from 'commander';
import { defaultStateDir } from '../notebook/workbench-state';
import { projectFolder } from '../project-folder';
import type * as StatusServerModule from '../serve/status-server';
import type * as ServedPipelinesModule from '../serve/served-pipelines';
import { DEFAULT_SERVE_PORT } from '../serve/serve-options';
import { integerOption } from './numeric-options';
import { untilStopSignal } from './stop-signal';

/**
 * `dagbook serve [pipelines...] [--port 8642] [--host 127.0.0.1] [--token T]`:
 * the status server and dashboard over the pipelines' state, until SIGINT or
 * SIGTERM (then it closes and exits 0). Pipelines are files, or folders whose
 * `*.yaml` files are pipelines; none named, the project's `pipelines/`
 * folder. The token may come from `DAGBOOK_TOKEN` (read here, the command
 * line boundary); any host but loopback refuses to start without one.
 */

interface ServeCommandOptions {
  port: number;
  host: string;
  token?: string;
  stateDir?: string;
}

/** Adds `dagbook serve` to `program`; `out` prints a line, `exit` sets the exit code. */
export function addServeCommand(program: Command, out: (line: string) => void, exit: (code: number) => void): void {
  program
    .command('serve')
    .description('serve the pipelines’ status (GET /health, /status, /runs, run events as Server-Sent Events) and a live dashboard at /; reads never take the writer lock; with --token, its actions run, cancel and retry')
    .argument('[pipelines...]', 'pipeline files, or folders of them (default: the project’s pipelines/ folder)')
    .option('--port <port>', 'port (0: a free one)', integerOption('--port', 0, 65535), DEFAULT_SERVE_PORT)
    .option('--host <host>', 'address to listen on; any but loopback needs a token', '127.0.0.1')
    .option('--token <token>', 'bearer token every request must bring (default: $DAGBOOK_TOKEN)')
    .option('--state-dir <dir>', 'state folder (default: state/ beside the nearest package.json)')
    .action(async (sources: string[], opts: ServeCommandOptions) => {
      // Loaded here, not with the CLI: only this command needs fastify.
      const { startStatusServer } = require('../serve/status-server') as typeof StatusServerModule;
      const { loadServedPipelines } = require('../serve/served-pipelines') as typeof ServedPipelinesModule;
      const named = sources.length > 0 ? sources : [path.join(projectFolder(process.cwd()), 'pipelines')];
      const token = opts.token ?? (process.env.DAGBOOK_TOKEN || undefined);
      const stateDir = path.resolve(opts.stateDir ?? process.env.DAGBOOK_STATE_DIR ?? defaultStateDir(process.cwd()));
      if (!fs.existsSync(stateDir)) out(`Note: the state folder ${stateDir} does not exist yet; the first run makes it.`);
      const pipelines = await loadServedPipelines(named);
      const server = await startStatusServer({ stateDir, pipelines, host: opts.host, port: opts.port, ...(token === undefined ? {} : { token }) });
      out(`Serving ${pipelines.map((p) => p.name).join(', ')} from ${stateDir} at ${server.url}/ (GET /health, /status, /runs)${token === undefined ? '' : ' — requests need the token'}; Ctrl-C stops`);
      await untilStopSignal();
      await server.close();
      out('Stopped.');
      exit(0);
    });
}
