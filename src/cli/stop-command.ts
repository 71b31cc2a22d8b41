import * as path from 'node:path';
import type { Command } from 'commander';
import { openWorkbench } from '../notebook/workbench';
import { processSupervisor } from '../service/supervisor';
import { nonNegativeNumberOption } from './numeric-options';
import type { CommandIo } from './pipeline-commands';
import { checkStageArguments } from './stage-arguments';

/**
 * `dagbook stop <pipeline> <stage>`: stops the services of a service stage
 * from any process (the one supervising them gets no say: the stop file
 * tells it not to restart them). And what `dagbook run` does after a run
 * that left services running: it stays in the foreground as their
 * supervisor until they all end, and SIGINT or SIGTERM stops them all.
 */

/** Adds `dagbook stop` to `program`. */
export function addStopCommand(program: Command, io: CommandIo): void {
  program
    .command('stop')
    .description('stop the services of a service stage (SIGTERM, then SIGKILL after the grace); they are not restarted')
    .argument('<pipeline>', 'pipeline file')
    .argument('<stage>', 'the service stage')
    .option('--item <id>', 'only the service of this item (a per-item service stage)')
    .option('--grace-ms <ms>', "time between SIGTERM and SIGKILL (default: the service's stopGraceMs)", nonNegativeNumberOption('--grace-ms'))
    .option('--state-dir <dir>', 'state folder (default: state/ beside the nearest package.json)')
    .action(async (file: string, stage: string, opts: { item?: string; graceMs?: number; stateDir?: string }) => {
      // Stopping a service needs no secret's value.
      const wb = await openWorkbench(file, { secrets: 'names', ...(opts.stateDir ? { stateDir: path.resolve(opts.stateDir) } : {}), sink: (text) => io.out(text) });
      checkStageArguments(wb.compiled().plan, [stage]);
      await wb.stop(stage, { ...(opts.item === undefined ? {} : { item: opts.item }), ...(opts.graceMs === undefined ? {} : { graceMs: opts.graceMs }) });
    });
}

/**
 * After a run: when it left services running under this process, says so and
 * waits until they have all ended; SIGINT or SIGTERM stops them all first.
 */
export async function superviseInForeground(io: CommandIo): Promise<void> {
  const supervisor = processSupervisor();
  const running = supervisor.running();
  if (running.length === 0) return;
  io.out(
    `${running.length} service(s) running under this process (pid ${process.pid}): ${running.map((s) => `\`${s.name}\` (pid ${s.pid})`).join(', ')}; Ctrl-C stops them, or \`dagbook stop <pipeline> <stage>\` from another shell`,
  );
  const shutdown = () => void supervisor.stopAll();
  process.once('SIGINT', shutdown);
  process.once('SIGTERM', shutdown);
  try {
    await supervisor.idle();
  } finally {
    process.off('SIGINT', shutdown);
    process.off('SIGTERM', shutdown);
  }
}
