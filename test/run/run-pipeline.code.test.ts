import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import type { StageFn } from '../../src/definition/types';
import { compilePipeline } from '../../src/plan/compile';
import { runPipeline, type RunResult } from '../../src/run/run-pipeline';
import { openDurableStore } from '../../src/store/durable-store';
import { outcomes } from './fixtures';

describe('runPipeline (code identity)', () => {
  describe('when a helper module a stage imports is edited between two runs of one compiled plan', () => {
    const cwd = process.cwd();
    let dir: string;

    beforeEach(() => {
      dir = fs.mkdtempSync(path.join(os.tmpdir(), 'dagbook-code-run-'));
      fs.writeFileSync(path.join(dir, 'package.json'), '{ "name": "code-run", "private": true }\n');
      fs.mkdirSync(path.join(dir, 'lib'));
      fs.writeFileSync(path.join(dir, 'lib/helper.ts'), 'export const helper = (n: number) => n * 2;\n');
      fs.writeFileSync(path.join(dir, 'stages.ts'), "import { helper } from './lib/helper';\nexport const doubled = () => helper(21);\n");
      process.chdir(dir);
    });

    afterEach(() => {
      process.chdir(cwd);
      fs.rmSync(dir, { recursive: true, force: true });
    });

    it('re-runs the stage importing it with reason "code changed: <file>" and keeps the unrelated stage cached', async () => {
      const doubled = require(path.join(dir, 'stages.ts')).doubled as StageFn;
      const compiled = compilePipeline({ name: 'code-run', stages: [{ id: 'doubled', run: doubled }, { id: 'unrelated', run: () => 'same' }] });
      const stateDir = path.join(dir, 'state');
      const runs: RunResult[] = [];
      for (const step of ['first', 'second'] as const) {
        if (step === 'second') fs.writeFileSync(path.join(dir, 'lib/helper.ts'), 'export const helper = (n: number) => n * 2 + 0;\n');
        const store = await openDurableStore({ stateDir, pipeline: 'code-run' });
        try {
          runs.push(await runPipeline(compiled, { store, baseDir: dir }));
        } finally {
          await store.close();
        }
      }
      assert.deepEqual(outcomes(runs[0], ['doubled', 'unrelated']), [
        ['doubled', 'SUCCEEDED', 'never ran'],
        ['unrelated', 'SUCCEEDED', 'never ran'],
      ]);
      assert.deepEqual(outcomes(runs[1], ['doubled', 'unrelated']), [
        ['doubled', 'SUCCEEDED', 'code changed: lib/helper.ts'],
        ['unrelated', 'CACHED', 'up to date'],
      ]);
      assert.notEqual(runs[1].stages.doubled.cacheKey, runs[0].stages.doubled.cacheKey);
      assert.equal(runs[1].stages.unrelated.cacheKey, runs[0].stages.unrelated.cacheKey);
    });
  });
});
