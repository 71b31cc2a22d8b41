import * as path from 'node:path';
import type { Command } from 'commander';
import { eventText } from '../display/event-text';
import { toPublicEvent } from '../events/public-event';
import { openWorkbench } from '../notebook/workbench';
import { followRunEvents, latestRunId, readRunEvents } from '../query/run-events';
import type { CommandIo } from './pipeline-commands';

/**
 * `dagbook events <pipeline> [run-id] [--follow] [--json]`: a run's events
 * (the latest run's by default), one per line — readable text, or with
 * `--json` the public event lines (`events/public-event.ts`) — read without
 * the lock; `--follow` goes on printing them as the run writes them and
 * returns when the run ends. `dagbook export <pipeline> [run-id] --out DIR`
 * writes the run's folder (`notebook/run-export.ts`).
 */

interface EventsCommandOptions {
  readonly follow?: boolean;
  readonly json?: boolean;
  readonly stateDir?: string;
}

/** Adds `events` and `export` to `program`. */
export function addEventsCommands(program: Command, io: CommandIo): void {
  const stateOption = ['--state-dir <dir>', 'state folder (default: state/ beside the nearest package.json)'] as const;

  program
    .command('events')
    .description("a run's events, one per line (the latest run's by default), read without the lock; --follow prints them as the run writes them until it ends")
    .argument('<pipeline>', 'pipeline file (YAML or JSON)')
    .argument('[run-id]', 'the run (default: the latest)')
    .option('--follow', 'keep printing events as the run writes them; return when it ends')
    .option('--json', "print each event as a JSON line in the teams' event schema")
    .option(...stateOption)
    .action(async (file: string, runId: string | undefined, opts: EventsCommandOptions) => {
      // Reading a run needs no secret's value.
      const wb = await openWorkbench(file, { quiet: true, secrets: 'names', ...(opts.stateDir ? { stateDir: path.resolve(opts.stateDir) } : {}) });
      const stateDir = wb.stateDirectory;
      const id = runId ?? (await latestRunId(stateDir, wb.name));
      const print = (event: Parameters<typeof toPublicEvent>[0]) => {
        const line = toPublicEvent(event);
        io.out(opts.json ? JSON.stringify(line) : eventText(line));
      };
      if (opts.follow) {
        for await (const event of followRunEvents(stateDir, wb.name, id)) print(event);
      } else {
        for (const event of await readRunEvents(stateDir, wb.name, id)) print(event);
      }
    });

  program
    .command('export')
    .description("write a run's folder (the latest run's by default): meta.json, state.json, events.jsonl, outputs/<stage>.output.json and reports/report.md")
    .argument('<pipeline>', 'pipeline file (YAML or JSON)')
    .argument('[run-id]', 'the run (default: the latest)')
    .requiredOption('--out <dir>', 'the folder to write (new, empty, or an earlier export of the same run)')
    .option(...stateOption)
    .action(async (file: string, runId: string | undefined, opts: { out: string; stateDir?: string }) => {
      const wb = await openWorkbench(file, {
        secrets: 'names',
        ...(opts.stateDir ? { stateDir: path.resolve(opts.stateDir) } : {}),
        sink: (text) => io.out(text),
        nextStepTarget: { kind: 'cli', pipelineFile: file, ...(opts.stateDir ? { stateDir: opts.stateDir } : {}) },
      });
      await wb.exportRun(runId, opts.out);
    });
}
