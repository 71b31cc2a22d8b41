import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { definePipeline } from '../../src/definition/define-pipeline';
import { openWorkbench } from '../../src/notebook/workbench';
import { outputFile, readRunFolder } from '../../src/query/run-folder';
import { openStateReader } from '../../src/store/state-reader';

describe('readRunFolder', function () {
  this.timeout(30_000);
  let stateDir: string;
  beforeEach(() => {
    stateDir = fs.mkdtempSync(path.join(os.tmpdir(), 'dagbook-folder-'));
  });
  afterEach(() => fs.rmSync(stateDir, { recursive: true, force: true }));

  describe('when an output is larger than what is copied whole', () => {
    it('writes a reference to its file in the state, with its size, instead of the output', async () => {
      const wb = await openWorkbench(definePipeline({ name: 'big', stages: [{ id: 'rows', run: () => Array.from({ length: 2000 }, (_, i) => ({ i })) }] }), { stateDir, quiet: true });
      const run = await wb.run();
      const reader = await openStateReader({ stateDir, pipeline: 'big' });
      const folder = await readRunFolder(reader, wb.compiled().plan, run.runId, { maxOutputBytes: 1000 });
      const hash = run.stages.rows.outputHash!;
      const stored = path.join(stateDir, 'big', 'artifacts', hash);
      assert.deepEqual(folder.outputs, [
        {
          file: outputFile('rows'),
          kind: 'reference',
          text: `${JSON.stringify(
            {
              output_hash: hash,
              stored_at: stored,
              bytes: fs.statSync(stored).size,
              why: `its stored form is ${fs.statSync(stored).size} bytes, more than the 1000 copied whole`,
              read_with: "await wb.output('rows')",
            },
            null,
            2,
          )}\n`,
        },
      ]);
    });
  });

  describe('when the run is not one of the pipeline', () => {
    it('throws RUN_NOT_FOUND naming it', async () => {
      const wb = await openWorkbench(definePipeline({ name: 'big', stages: [{ id: 'rows', run: () => 1 }] }), { stateDir, quiet: true });
      const reader = await openStateReader({ stateDir, pipeline: 'big' });
      await assert.rejects(readRunFolder(reader, wb.compiled().plan, 'run_x'), { code: 'RUN_NOT_FOUND', message: 'Expected `runId` to name a run of `big`, got `run_x`' });
    });
  });
});
