import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import { Module } from 'node:module';
import * as os from 'node:os';
import * as path from 'node:path';
import { buildSync } from 'esbuild';
import { loadPipelineFile } from '../../../src/definition/load-file';
import type { StageFn } from '../../../src/definition/types';
import { hasErrorCode, type DagbookError } from '../../../src/errors';
import { compilePipeline } from '../../../src/plan/compile';
import { currentStageFunction } from '../../../src/plan/fingerprint';
import { runPipeline, type RunResult } from '../../../src/run/run-pipeline';
import { openDurableStore } from '../../../src/store/durable-store';

/**
 * A project in a temp dir: `pipeline.yaml` runs `stages.ts#answer`, which
 * returns `helper(21)` from `lib/helper.ts` (`n * 2`, so 42); `lib/other.ts`
 * imports nothing. Modules load through tsx (mocha's loader), as a pipeline
 * file's `fn` loads from the CLI.
 */
function project(): string {
  const dir = fs.realpathSync(fs.mkdtempSync(path.join(os.tmpdir(), 'dagbook-current-')));
  const files: Record<string, string> = {
    'package.json': '{ "name": "current-code", "private": true }\n',
    'pipeline.yaml': 'name: current\nstages:\n  answer:\n    fn: ./stages.ts#answer\n',
    'stages.ts': "import { helper } from './lib/helper';\nexport const answer = () => helper(21);\n",
    'lib/helper.ts': 'export const helper = (n: number) => n * 2;\n',
    'lib/other.ts': 'export const other = () => 7;\n',
  };
  for (const [file, text] of Object.entries(files)) {
    fs.mkdirSync(path.dirname(path.join(dir, file)), { recursive: true });
    fs.writeFileSync(path.join(dir, file), text);
  }
  return dir;
}

/**
 * Rewrites a file with an mtime 1 ms past now, so it is later than any load
 * before, then waits (2 ms at most) until the clock passes it, so any load
 * after is later than it.
 */
function rewrite(file: string, text: string): void {
  fs.writeFileSync(file, text);
  const mtime = Date.now() + 1;
  fs.utimesSync(file, new Date(mtime), new Date(mtime));
  while (Date.now() <= mtime) {
    // Spin: the wait is at most 2 ms, and a timer's granularity is coarser.
  }
}

/** Loads `file` (a `.ts` file) the way tslab loads a module a cell imports: compiled to CommonJS, as `new Module(<.js twin>, parent)` + `_compile`, outside `require.cache`. */
function loadAsTslab(file: string, parent: NodeModule): NodeModule {
  const code = buildSync({ entryPoints: [file], bundle: true, write: false, format: 'cjs', platform: 'node', packages: 'external', logLevel: 'silent' }).outputFiles[0].text;
  const filename = file.replace(/\.ts$/, '.js');
  const mod = new Module(filename, parent as Module) as Module & { _compile(code: string, filename: string): void };
  mod.filename = filename;
  mod._compile(code, filename);
  return mod;
}

function thrown(fn: () => unknown): DagbookError {
  try {
    fn();
  } catch (e) {
    assert.ok(hasErrorCode(e, 'STAGE_CODE_STALE'), String(e));
    return e;
  }
  assert.fail('expected STAGE_CODE_STALE');
}

describe('currentStageFunction', () => {
  const cwd = process.cwd();
  let dir: string;

  beforeEach(() => {
    dir = project();
    process.chdir(dir);
  });

  afterEach(() => {
    process.chdir(cwd);
    fs.rmSync(dir, { recursive: true, force: true });
  });

  describe('when a YAML pipeline`s stage module imports a helper that is edited between two runs of one compiled plan', () => {
    it('re-runs the stage with the edited helper`s code, stores the new value, and is up to date after', async () => {
      const compiled = compilePipeline(await loadPipelineFile(path.join(dir, 'pipeline.yaml')));
      const stateDir = path.join(dir, 'state');
      const runs: RunResult[] = [];
      const outputs: unknown[] = [];
      for (const step of ['first', 'edited', 'again'] as const) {
        if (step === 'edited') rewrite(path.join(dir, 'lib/helper.ts'), 'export const helper = (n: number) => n * 2 + 1;\n');
        const store = await openDurableStore({ stateDir, pipeline: 'current' });
        try {
          const result = await runPipeline(compiled, { store, baseDir: dir });
          runs.push(result);
          outputs.push(await store.getOutput(result.stages.answer.outputHash as string));
        } finally {
          await store.close();
        }
      }
      assert.deepEqual(
        runs.map((r) => [r.stages.answer.status, r.stages.answer.reason]),
        [
          ['SUCCEEDED', 'never ran'],
          ['SUCCEEDED', 'code changed: lib/helper.ts'],
          ['CACHED', 'up to date'],
        ],
      );
      assert.deepEqual(outputs, [42, 43, 43]);
      assert.equal(runs[2].stages.answer.cacheKey, runs[1].stages.answer.cacheKey);
    });
  });

  describe('when nothing the stage`s module imports changed since it was loaded', () => {
    it('returns the loaded function itself', () => {
      const answer = require(path.join(dir, 'stages.ts')).answer as StageFn;
      const { plan } = compilePipeline({ name: 'c', stages: [{ id: 'answer', run: answer }] });
      assert.equal(currentStageFunction(plan.stages.answer, answer), answer);
    });
  });

  describe('when the stage`s module is in require.cache and its helper changed after it was loaded', () => {
    it('loads the module again once and returns its export of the same name', () => {
      const answer = require(path.join(dir, 'stages.ts')).answer as StageFn;
      const other = require(path.join(dir, 'lib/other.ts'));
      const { plan } = compilePipeline({ name: 'c', stages: [{ id: 'answer', run: answer }] });
      rewrite(path.join(dir, 'lib/helper.ts'), 'export const helper = (n: number) => n * 3;\n');
      const current = currentStageFunction(plan.stages.answer, answer);
      assert.notEqual(current, answer);
      assert.equal(current({} as never, {}), 63);
      assert.equal(currentStageFunction(plan.stages.answer, answer), current, 'the module loaded again is reused');
      assert.equal(require(path.join(dir, 'lib/other.ts')), other, 'a module outside the graph stays loaded');
    });
  });

  describe('when the stage`s module is loaded again and no longer exports the function', () => {
    it('is refused with STAGE_CODE_STALE naming the export, with what to do as `remedy`', () => {
      const answer = require(path.join(dir, 'stages.ts')).answer as StageFn;
      const { plan } = compilePipeline({ name: 'c', stages: [{ id: 'answer', run: answer }] });
      rewrite(path.join(dir, 'stages.ts'), 'export const renamed = () => 1;\n');
      const error = thrown(() => currentStageFunction(plan.stages.answer, answer));
      assert.equal(
        error.message,
        'Stage `answer`: `stages.ts` was loaded again after it changed, and no longer exports a function `answer`: export it again, or point the stage at the function that replaced it',
      );
      assert.deepEqual(error.data, {
        file: path.join(dir, 'stages.ts'),
        exportName: 'answer',
        remedy: 'export a function `answer` from `stages.ts` again, or point the stage at the function that replaced it',
      });
    });
  });

  describe('when the stage`s module was loaded outside require.cache (as tslab loads it) and its helper changed after', () => {
    it('is found through its parent`s children by its .ts file, then refused with STAGE_CODE_STALE naming the stage, the file and what to do', () => {
      const mod = loadAsTslab(path.join(dir, 'stages.ts'), module);
      const answer = (mod.exports as { answer: StageFn }).answer;
      const { plan } = compilePipeline({ name: 'c', stages: [{ id: 'answer', run: answer }] });
      assert.equal(plan.stages.answer.code?.fixed['code:fn'], 'stages.ts#answer');
      assert.deepEqual(Object.keys(plan.stages.answer.code?.parts ?? {}).sort(), ['code:file:lib/helper.ts', 'code:file:stages.ts', 'code:fn']);
      assert.equal(currentStageFunction(plan.stages.answer, answer), answer);
      rewrite(path.join(dir, 'lib/helper.ts'), 'export const helper = (n: number) => n * 3;\n');
      const error = thrown(() => currentStageFunction(plan.stages.answer, answer));
      assert.equal(
        error.message,
        'Stage `answer` would run code loaded before `lib/helper.ts` changed, and only the notebook can load it again: ' +
          'restart the kernel (the notebook loads `lib/helper.ts` again, but not `stages.ts`, which imports it)',
      );
      assert.equal(error.stageId, 'answer');
      assert.equal(error.errorClass, 'persistent');
      assert.deepEqual(error.data, {
        file: path.join(dir, 'lib/helper.ts'),
        module: path.join(dir, 'stages.ts'),
        remedy: 'restart the kernel (the notebook loads `lib/helper.ts` again, but not `stages.ts`, which imports it)',
      });
    });

    it('takes the same export from a newer load of the module that is current', () => {
      const answer = (loadAsTslab(path.join(dir, 'stages.ts'), module).exports as { answer: StageFn }).answer;
      const { plan } = compilePipeline({ name: 'c', stages: [{ id: 'answer', run: answer }] });
      rewrite(path.join(dir, 'stages.ts'), "import { helper } from './lib/helper';\nexport const answer = () => helper(50);\n");
      thrown(() => currentStageFunction(plan.stages.answer, answer));
      const newer = (loadAsTslab(path.join(dir, 'stages.ts'), module).exports as { answer: StageFn }).answer;
      const current = currentStageFunction(plan.stages.answer, answer);
      assert.equal(current, newer);
      assert.equal(current({} as never, {}), 100);
    });
  });

  describe('when a stage written in a cell declares a module path that changed after the module was loaded', () => {
    it('is refused with STAGE_CODE_STALE: the function holds the module as loaded', () => {
      require(path.join(dir, 'lib/helper.ts'));
      const run: StageFn = () => 1;
      const { plan } = compilePipeline({ name: 'c', stages: [{ id: 'inline', run, codeDeps: ['./lib/helper'] }] });
      assert.equal(currentStageFunction(plan.stages.inline, run), run);
      rewrite(path.join(dir, 'lib/helper.ts'), 'export const helper = (n: number) => n * 3;\n');
      assert.equal(
        thrown(() => currentStageFunction(plan.stages.inline, run)).message,
        'Stage `inline` would run code loaded before `lib/helper.ts` changed, and only the notebook can load it again: ' +
          'run the cell that imports `lib/helper.ts` and the cell that defines the stage again, or restart the kernel',
      );
    });
  });

  describe('when a stage declares a version', () => {
    it('returns the loaded function whatever changed', () => {
      const answer = require(path.join(dir, 'stages.ts')).answer as StageFn;
      const { plan } = compilePipeline({ name: 'c', stages: [{ id: 'answer', run: answer, version: '1' }] });
      rewrite(path.join(dir, 'lib/helper.ts'), 'export const helper = (n: number) => n * 3;\n');
      assert.equal(currentStageFunction(plan.stages.answer, answer), answer);
    });
  });
});
