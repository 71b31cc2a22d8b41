/**
 * A child-process script for the workforce kill test: runs
 * `pipelines/workforce.yaml` on a DurableStore, with a smaller census.
 *
 *   node --import tsx run-workforce-child.ts --state-dir <dir> --census-size <n> [--marker <file> --hang-at <stage@period>]
 *
 * With `--hang-at`, that stage instance does its work (its rows are written
 * and committed) and then, before returning, writes its pid to the marker
 * file and hangs, so the parent SIGKILLs it there. On completion it prints
 * one JSON line `{ runId, status, statuses, outputHashes }`.
 */
import * as fs from 'node:fs';
import { parseArgs } from 'node:util';
import { openDurableStore } from '../../../src/store/durable-store';
import { closeWorkforceDatabases } from '../../../pipelines/workforce/database';
import { runWorkforce, smallCensus, statuses } from './workforce-run';

const { values: args } = parseArgs({
  options: { 'state-dir': { type: 'string' }, 'census-size': { type: 'string' }, marker: { type: 'string' }, 'hang-at': { type: 'string' } },
});
// Every run wraps `merit` alike (a wrapped run function is part of the stage's code identity); only `--hang-at` makes it hang.
const [hangStage, hangPeriod] = (args['hang-at'] ?? 'merit@none').split('@');

async function main(): Promise<void> {
  const definition = await smallCensus(Number(args['census-size']), {
    [hangStage]: {
      wrap: (run) => async (ctx, inputs) => {
        const output = await run(ctx, inputs);
        if (ctx.periodKey === hangPeriod) {
          fs.writeFileSync(args.marker as string, String(process.pid));
          setInterval(() => {}, 1 << 30);
          await new Promise<never>(() => {});
        }
        return output;
      },
    },
  });
  const store = await openDurableStore({ stateDir: args['state-dir'] as string, pipeline: 'workforce' });
  const result = await runWorkforce(definition, store);
  await store.close();
  await closeWorkforceDatabases();
  process.stdout.write(`${JSON.stringify({ runId: result.runId, status: result.status, statuses: statuses(result), outputHashes: result.outputHashes })}\n`);
}

main().catch((error: unknown) => {
  process.stderr.write(`FAILED ${String((error as { code?: unknown } | null)?.code)}: ${error instanceof Error ? error.message : String(error)}\n`);
  process.exitCode = 1;
});
