/**
 * A child-process script for the document ETL kill test: runs
 * `pipelines/docs-etl.yaml` on a DurableStore in `--state-dir` (whose
 * example repository the parent made), with `embed` one page at a time.
 *
 *   node --import tsx run-docs-child.ts --state-dir <dir> --embedded <file> [--marker <file> --hang-at <n>]
 *
 * Every page `embed` finishes is appended to the `--embedded` file, one id a
 * line. With `--hang-at n`, the n-th call of `embed` writes the child's pid
 * to the marker file and hangs before embedding, so the parent SIGKILLs it
 * there, in the middle of the stage. It first lets the event loop's turn
 * end: the item journal writes the records of the items that ended at the
 * end of the turn, and this embedder never waits for I/O, so a whole run of
 * pages can end in one turn (a real embedding API answers over the network,
 * ending turns between pages); killed within that turn, their records would
 * be lost and the pages embedded again, as the journal allows. On completion it prints one JSON line
 * `{ runId, status, statuses, items }`.
 */
import * as fs from 'node:fs';
import { parseArgs } from 'node:util';
import { openDurableStore } from '../../../src/store/durable-store';
import { docsEtlDefinition, itemCounts, runDocsEtl } from './docs-etl-run';

const { values: args } = parseArgs({
  options: { 'state-dir': { type: 'string' }, embedded: { type: 'string' }, marker: { type: 'string' }, 'hang-at': { type: 'string' } },
});
const hangAt = args['hang-at'] === undefined ? Infinity : Number(args['hang-at']);
let calls = 0;

async function main(): Promise<void> {
  // Every run wraps `embed` alike (a wrapped run function is part of the stage's code identity); only `--hang-at` makes it hang.
  const definition = await docsEtlDefinition({
    embed: {
      fields: { concurrency: 1 },
      wrap: (run) => async (ctx, inputs) => {
        calls += 1;
        if (calls >= hangAt) {
          // Callbacks of setImmediate run in order: the journal's write, scheduled earlier, runs before this resolves.
          await new Promise((resolve) => setImmediate(resolve));
          fs.writeFileSync(args.marker as string, String(process.pid));
          setInterval(() => {}, 1 << 30);
          await new Promise<never>(() => {});
        }
        const output = await run(ctx, inputs);
        fs.appendFileSync(args.embedded as string, `${ctx.item?.id}\n`);
        return output;
      },
    },
  });
  const store = await openDurableStore({ stateDir: args['state-dir'] as string, pipeline: 'docs-etl' });
  const result = await runDocsEtl(definition, store);
  await store.close();
  const statuses = Object.fromEntries(Object.entries(result.stages).map(([id, r]) => [id, r.status]));
  process.stdout.write(`${JSON.stringify({ runId: result.runId, status: result.status, statuses, items: itemCounts(result) })}\n`);
}

main().catch((error: unknown) => {
  process.stderr.write(`FAILED ${String((error as { code?: unknown } | null)?.code)}: ${error instanceof Error ? error.message : String(error)}\n`);
  process.exitCode = 1;
});
