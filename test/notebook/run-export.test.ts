import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { ManualClock } from '../../src/clock';
import { definePipeline } from '../../src/definition/define-pipeline';
import { NonRetryableError } from '../../src/errors';
import { publicEventSchema, toPublicEvent } from '../../src/events/public-event';
import { openWorkbench, type Workbench } from '../../src/notebook/workbench';
import { readRunEvents } from '../../src/query/run-events';
import { VERSION } from '../../src/version';

/** 2024-12-02T10:30:45.000Z */
const START = Date.UTC(2024, 11, 2, 10, 30, 45);

function pipeline() {
  return definePipeline({
    name: 'validation',
    failurePolicy: 'keep-going',
    maxParallel: 1,
    budgets: { tokens: 1000 },
    stages: [
      {
        id: 'ingest_data',
        budgets: { tokens: 500 },
        run: (ctx) => {
          ctx.usage('tokens', 420);
          return { rows: [1, 2], source: 'trends' };
        },
      },
      { id: 'index', deps: ['ingest_data'], run: () => new Map([['trends', 2]]) },
      {
        id: 'score',
        deps: ['ingest_data'],
        retry: { maxAttempts: 1 },
        run: () => {
          throw new NonRetryableError('the model refused the prompt');
        },
      },
      { id: 'report', deps: ['score'], run: () => 'never' },
    ],
  });
}

describe('Workbench.exportRun', function () {
  this.timeout(30_000);
  let tmp: string;
  let wb: Workbench;
  let lines: string[];
  const read = (file: string) => fs.readFileSync(path.join(tmp, 'out', file), 'utf8');

  beforeEach(async () => {
    tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'dagbook-export-'));
    lines = [];
    wb = await openWorkbench(pipeline(), { stateDir: path.join(tmp, 'state'), clock: new ManualClock(START), sink: (t) => lines.push(t) });
  });
  afterEach(() => fs.rmSync(tmp, { recursive: true, force: true }));

  describe('when the latest run had a failure, a budget and an output that is not plain JSON', () => {
    it('writes the run directory: meta, state, events, outputs (a Map by reference) and the report', async () => {
      const run = await wb.run();
      lines.length = 0;
      const written = await wb.exportRun(path.join(tmp, 'out'));
      const out = path.join(tmp, 'out');
      assert.deepEqual(written, {
        dir: out,
        runId: run.runId,
        files: ['meta.json', 'state.json', 'events.jsonl', 'outputs/ingest_data.output.json', 'outputs/index.output.json', 'reports/report.md'],
      });
      assert.deepEqual(fs.readdirSync(out, { recursive: true }).map(String).sort(), [
        'events.jsonl',
        'meta.json',
        'outputs',
        'outputs/index.output.json',
        'outputs/ingest_data.output.json',
        'reports',
        'reports/report.md',
        'state.json',
      ]);

      assert.deepEqual(JSON.parse(read('meta.json')), {
        run_id: run.runId,
        pipeline: 'validation',
        status: 'FAILED',
        reason: run.reason,
        start_time: '2024-12-02T10:30:45.000Z',
        end_time: '2024-12-02T10:30:45.000Z',
        duration_ms: 0,
        stages: ['ingest_data', 'index', 'score', 'report'],
        usage: { tokens: 420 },
        dagbook_version: VERSION,
      });

      const state = JSON.parse(read('state.json'));
      assert.deepEqual(Object.keys(state), ['run_id', 'pipeline', 'status', 'steps']);
      assert.deepEqual(
        Object.values(state.steps as Record<string, { step_name: string; status: string; attempt_count: number; outputs: string[]; last_error: unknown; usage: unknown }>).map((s) => [
          s.step_name,
          s.status,
          s.attempt_count,
          s.outputs,
          s.last_error,
          s.usage,
        ]),
        [
          ['ingest_data', 'SUCCEEDED', 1, ['outputs/ingest_data.output.json'], null, { tokens: 420 }],
          ['index', 'SUCCEEDED', 1, ['outputs/index.output.json'], null, {}],
          ['score', 'FAILED', 1, [], { code: 'NON_RETRYABLE', class: 'persistent', message: 'the model refused the prompt' }, {}],
          ['report', 'BLOCKED', 0, [], null, {}],
        ],
      );
      assert.equal(state.steps.ingest_data.output_hash, run.stages.ingest_data.outputHash);
      assert.equal(state.steps.ingest_data.cache_key, run.stages.ingest_data.cacheKey);
      assert.equal(state.steps.ingest_data.start_time, '2024-12-02T10:30:45.000Z');

      assert.equal(read('outputs/ingest_data.output.json'), '{\n  "rows": [\n    1,\n    2\n  ],\n  "source": "trends"\n}\n');
      assert.deepEqual(JSON.parse(read('outputs/index.output.json')), {
        output_hash: run.stages.index.outputHash,
        why: 'it is not plain JSON data (a Map)',
        read_with: "await wb.output('index')",
      });

      const events = read('events.jsonl').split('\n').filter((l) => l !== '').map((l) => JSON.parse(l));
      assert.deepEqual(events, (await readRunEvents(path.join(tmp, 'state'), 'validation', run.runId)).map(toPublicEvent));
      for (const e of events) assert.equal(publicEventSchema.safeParse(e).success, true);

      const report = read('reports/report.md');
      const [head, rest] = report.split('\n## Failures\n');
      assert.equal(
        head,
        [
          `# Run \`${run.runId}\` of \`validation\`: FAILED`,
          '',
          '- Started: 2024-12-02T10:30:45.000Z',
          '- Ended: 2024-12-02T10:30:45.000Z',
          '- Duration: 0 ms',
          `- Reason: ${run.reason}`,
          `- dagbook ${VERSION}`,
          '',
          '## Stages',
          '',
          '| stage | status | attempts | duration | cache key | output |',
          '|---|---|---|---|---|---|',
          `| \`ingest_data\` | SUCCEEDED | 1 | 0 ms | \`${run.stages.ingest_data.cacheKey!.slice(0, 12)}\` | [outputs/ingest_data.output.json](../outputs/ingest_data.output.json) |`,
          `| \`index\` | SUCCEEDED | 1 | 0 ms | \`${run.stages.index.cacheKey!.slice(0, 12)}\` | [outputs/index.output.json](../outputs/index.output.json) |`,
          `| \`score\` | FAILED | 1 | 0 ms | \`${run.stages.score.cacheKey!.slice(0, 12)}\` | — |`,
          '| `report` | BLOCKED | 0 | 0 ms | — | — |',
          '',
        ].join('\n'),
      );
      assert.match(rest, /^\n### `score`\n\n```text\nstage `score` failed: NON_RETRYABLE \(persistent: needs a fix to the input or config\)\n/);
      assert.ok(rest.includes('the model refused the prompt'), rest);
      assert.ok(
        rest.endsWith(
          [
            '## Usage and budgets',
            '',
            '| scope | resource | used | budget | share |',
            '|---|---|---|---|---|',
            '| run | tokens | 420 | 1,000 | 42% |',
            '| `ingest_data` | tokens | 420 | 500 | 84% |',
            '',
          ].join('\n'),
        ),
        rest,
      );
      assert.deepEqual(lines, [`Exported run ${run.runId} to ${out}: 6 files.`]);
    });
  });

  describe('when the folder is an export of another run, or holds other files', () => {
    it('refuses with INVALID_OPTION naming the folder, and exports the same run again in place', async () => {
      const first = await wb.run();
      const second = await wb.run(undefined, { force: true });
      const out = path.join(tmp, 'out');
      await wb.exportRun(first.runId, out);
      await wb.exportRun(first.runId, out);
      await assert.rejects(wb.exportRun(second.runId, out), {
        code: 'INVALID_OPTION',
        message: `Expected the export folder \`${out}\` to be new, empty or an export of run ${second.runId}, got an export of run ${first.runId}`,
      });
      const other = path.join(tmp, 'other');
      fs.mkdirSync(other);
      fs.writeFileSync(path.join(other, 'notes.txt'), '');
      await assert.rejects(wb.exportRun(other), {
        code: 'INVALID_OPTION',
        message: `Expected the export folder \`${other}\` to be new or empty, got one holding 1 entry (notes.txt)`,
      });
    });
  });

  describe('when the pipeline has not run', () => {
    it('throws RUN_NOT_FOUND', async () => {
      await assert.rejects(wb.exportRun(path.join(tmp, 'out')), { code: 'RUN_NOT_FOUND', message: '`validation` has no run to export yet' });
    });
  });
});
