import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { ManualClock } from '../../../src/clock';
import type { StageContext, StageFn, StageInputs } from '../../../src/definition/types';
import * as phases from '../../../pipelines/profiling/pipeline';

/** A stage context for calling a phase directly; records its progress reports. */
export function fakeContext(params: Record<string, unknown> = {}): StageContext & { reports: [number, number, string?][] } {
  const reports: [number, number, string?][] = [];
  return {
    runId: 'run-1',
    stageId: 'stage',
    attempt: 1,
    idempotencyKey: 'key',
    params,
    signal: new AbortController().signal,
    clock: new ManualClock(),
    progress: (done, total, message) => void reports.push([done, total, message]),
    usage: () => undefined,
    remaining: () => Infinity,
    log: () => undefined,
    secret: () => '',
    reports,
  };
}

/** A new temp folder holding the given files (name -> text). */
export function tempTables(files: Record<string, string>): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'dagbook-profiling-'));
  for (const [name, text] of Object.entries(files)) fs.writeFileSync(path.join(dir, name), text);
  return dir;
}

/** The example data folder. */
export const VEGA_DIR = path.resolve(__dirname, '../../../node_modules/vega-datasets/data');

/** Lines of a vega-datasets CSV file, header first, split by hand (no shared code with the profiler). */
export function vegaCsv(name: string): string[][] {
  return fs
    .readFileSync(path.join(VEGA_DIR, name), 'utf8')
    .split('\n')
    .filter((l) => l.trim() !== '')
    .map((l) => l.replace(/\r$/, '').split(','));
}

/** A small literal data set: two tables with a foreign key, a date column and a duplicate row. */
export const SMALL_TABLES: Record<string, string> = {
  'shops.csv': 'shop_id,city,lat,lon\nS1,Oslo,59.9,10.7\nS2,Bergen,60.4,5.3\nS3,Oslo,59.9,10.8\n',
  'sales.csv': [
    'day,shop,amount,units,channel',
    '2024-01-01,S1,10.5,1,web',
    '2024-01-02,S2,20,2,store',
    '2024-01-02,S2,20,2,store',
    '2024-01-04,S1,40.25,4,web',
    '2024-01-05,S3,,5,store',
    '2024-01-06,S1,1000,6,web',
    '2024-01-07,S2,30,7,web',
    '2024-01-08,S3,35,8,store',
    '2024-01-09,S1,25,9,web',
    '2024-01-10,S2,15,10,store',
    '',
  ].join('\n'),
};

/** Runs phases in dependency order on literal inputs; returns every output by stage id. */
export async function chain(
  steps: readonly [string, (ctx: StageContext, inputs: StageInputs) => unknown, readonly string[], Record<string, unknown>?][],
): Promise<Record<string, unknown>> {
  const out: Record<string, unknown> = {};
  for (const [id, run, deps, params] of steps) {
    const inputs = Object.fromEntries(deps.map((d) => [d, out[d]]));
    out[id] = JSON.parse(JSON.stringify(await run(fakeContext(params), inputs)));
  }
  return out;
}


let small: Promise<Record<string, unknown>> | undefined;

/** Every phase's output (report aside) over {@link SMALL_TABLES}, computed once per test process. */
export function smallProfile(): Promise<Record<string, unknown>> {
  if (!small) {
    const dir = tempTables(SMALL_TABLES);
    small = chain(
      phases.PROFILING_PHASES.filter((p) => p.id !== 'report').map(
        (p): [string, StageFn, readonly string[], Record<string, unknown>] => [p.id, p.run, p.deps, p.id === 'import' ? { dataDir: dir, files: ['shops.csv', 'sales.csv'] } : {}],
      ),
    );
  }
  return small;
}
