import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import type { PipelineDefinition, StageFn } from '../../src/definition/types';
import { hasErrorCode, type DagbookError, type PlanIssue } from '../../src/errors';
import { cacheKey, cacheKeyParts, describeChanges, type CacheKeyParts } from '../../src/plan/cache-key';
import { compilePipeline } from '../../src/plan/compile';
import { fingerprintFunction, refreshStageCode } from '../../src/plan/fingerprint';
import type { CompiledPipeline } from '../../src/plan/plan';

/** These stages have no secret params: a digest asked for would be a bug. */
const noSecretDigest = (): string => {
  throw new Error('no secret params here');
};

/**
 * A project in a temp dir: `stages.ts` exports `scale` (imports
 * `lib/helper.ts`, which imports `lib/g.ts` and the package `fakepkg`) and
 * `other.ts` exports `other` (imports nothing); `lib/clean.ts` exports
 * `clean`. Each test edits files and compares the keys of one compiled plan
 * refreshed before and after the edit.
 */
function project(): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'dagbook-code-'));
  const files: Record<string, string> = {
    'package.json': '{ "name": "fixture-project", "private": true }\n',
    'stages.ts': "import { helper } from './lib/helper';\nexport const scale = (_ctx: unknown, _inputs: unknown) => helper(2);\n",
    'other.ts': 'export function other() {\n  return 7;\n}\n',
    'lib/helper.ts': "import { g } from './g';\nimport { fake } from 'fakepkg';\nexport const helper = (n: number) => g(n) * fake;\n",
    'lib/g.ts': 'export const g = (n: number) => n + 1;\n',
    'lib/clean.ts': 'export const clean = (rows: string[]) => rows.filter(Boolean);\n',
    'node_modules/fakepkg/package.json': '{ "name": "fakepkg", "version": "1.0.0", "main": "index.js" }\n',
    'node_modules/fakepkg/index.js': 'exports.fake = 3;\n',
  };
  for (const [file, text] of Object.entries(files)) {
    fs.mkdirSync(path.dirname(path.join(dir, file)), { recursive: true });
    fs.writeFileSync(path.join(dir, file), text);
  }
  return dir;
}

/** Replaces `from` by `to` in a file of the project (`to` has another length, so the size changes too). */
function edit(dir: string, file: string, from: string, to: string): void {
  const full = path.join(dir, file);
  const text = fs.readFileSync(full, 'utf8');
  assert.ok(text.includes(from), `${file} holds ${from}`);
  fs.writeFileSync(full, text.replace(from, to));
}

/** The code parts of every stage of the plan, refreshed from the files as they are now. */
function partsNow(compiled: CompiledPipeline): Record<string, CacheKeyParts> {
  return Object.fromEntries(Object.values(compiled.plan.stages).map((s) => [s.id, cacheKeyParts(refreshStageCode(s), {}, {}, noSecretDigest)]));
}

/** The stages whose key differs between two snapshots, each with the reasons. */
function changed(before: Record<string, CacheKeyParts>, after: Record<string, CacheKeyParts>): Record<string, string[]> {
  const out: Record<string, string[]> = {};
  for (const id of Object.keys(after)) if (cacheKey(before[id]) !== cacheKey(after[id])) out[id] = describeChanges(before[id], after[id]);
  return out;
}

function sha(text: string): string {
  return createHash('sha256').update(text).digest('hex');
}

describe('code identity (fingerprint)', () => {
  const cwd = process.cwd();
  let dir: string;
  let modules: { scale: StageFn; other: StageFn; clean: (rows: string[]) => string[] };

  beforeEach(() => {
    dir = project();
    process.chdir(dir);
    modules = {
      scale: require(path.join(dir, 'stages.ts')).scale,
      other: require(path.join(dir, 'other.ts')).other,
      clean: require(path.join(dir, 'lib/clean.ts')).clean,
    };
  });

  afterEach(() => {
    process.chdir(cwd);
    fs.rmSync(dir, { recursive: true, force: true });
  });

  function modulePipeline(): PipelineDefinition {
    return { name: 'code', stages: [{ id: 'scale', run: modules.scale }, { id: 'other', run: modules.other }] };
  }

  describe('when a stage function is exported by a module', () => {
    it('tracks its export, each file of its module graph and each package version', () => {
      const { plan } = compilePipeline(modulePipeline());
      const fileHash = (file: string) => sha(fs.readFileSync(path.join(dir, file), 'utf8'));
      assert.deepEqual(cacheKeyParts(plan.stages.scale, {}, {}, noSecretDigest), {
        'code:fn': 'stages.ts#scale',
        'code:file:stages.ts': fileHash('stages.ts'),
        'code:file:lib/helper.ts': fileHash('lib/helper.ts'),
        'code:file:lib/g.ts': fileHash('lib/g.ts'),
        'code:pkg:fakepkg': '1.0.0',
      });
      assert.deepEqual(cacheKeyParts(plan.stages.other, {}, {}, noSecretDigest), { 'code:fn': 'other.ts#other', 'code:file:other.ts': fileHash('other.ts') });
      assert.deepEqual(plan.stages.scale.code?.untracked, []);
      assert.deepEqual(plan.stages.scale.code?.modules, [fs.realpathSync(path.join(dir, 'stages.ts'))]);
    });
  });

  describe('when nothing changed', () => {
    it('gives identical keys across two compiles', () => {
      const first = partsNow(compilePipeline(modulePipeline()));
      const second = partsNow(compilePipeline(modulePipeline()));
      assert.deepEqual(second, first);
      assert.deepEqual(changed(first, second), {});
    });
  });

  describe('when an imported helper module is edited', () => {
    it('changes the key of the stage importing it only, naming the file', () => {
      const compiled = compilePipeline(modulePipeline());
      const before = partsNow(compiled);
      edit(dir, 'lib/helper.ts', '* fake', '* fake * 10');
      assert.deepEqual(changed(before, partsNow(compiled)), { scale: ['code changed: lib/helper.ts'] });
    });
  });

  describe('when a transitively imported module is edited', () => {
    it('changes the key of the stage importing it through another module, naming the file', () => {
      const compiled = compilePipeline(modulePipeline());
      const before = partsNow(compiled);
      edit(dir, 'lib/g.ts', 'n + 1', 'n + 100');
      assert.deepEqual(changed(before, partsNow(compiled)), { scale: ['code changed: lib/g.ts'] });
    });
  });

  describe('when a module starts importing a new module', () => {
    it('tracks the new module and names it', () => {
      const compiled = compilePipeline(modulePipeline());
      const before = partsNow(compiled);
      fs.writeFileSync(path.join(dir, 'lib/extra.ts'), 'export const extra = 1;\n');
      edit(dir, 'lib/g.ts', 'export const g', "import { extra } from './extra';\nexport const unused = extra;\nexport const g");
      assert.deepEqual(changed(before, partsNow(compiled)), { scale: ['code added: lib/extra.ts', 'code changed: lib/g.ts'] });
    });
  });

  describe('when an imported package`s version changes', () => {
    it('changes the key of the stage importing it, naming the package and both versions', () => {
      const compiled = compilePipeline(modulePipeline());
      const before = partsNow(compiled);
      edit(dir, 'node_modules/fakepkg/package.json', '"1.0.0"', '"1.0.10"');
      assert.deepEqual(changed(before, partsNow(compiled)), { scale: ['package `fakepkg` changed (1.0.0 -> 1.0.10)'] });
    });
  });

  describe('when a stage is written inline', () => {
    it('tracks its text and lists the names it captures that nothing tracks', () => {
      const factor = 3;
      const local = (n: number) => n * factor;
      const run: StageFn = () => local(2) * factor + Math.max(1, 2);
      const { plan } = compilePipeline({ name: 'inline', stages: [{ id: 'a', run }, { id: 'b', run, codeDeps: [local] }] });
      assert.deepEqual(plan.stages.a.code, {
        root: fs.realpathSync(dir),
        fixed: { 'code:fn': fingerprintFunction(run) },
        modules: [],
        parts: { 'code:fn': fingerprintFunction(run) },
        untracked: ['factor', 'local'],
      });
      assert.deepEqual(plan.stages.b.code?.parts, { 'code:fn': fingerprintFunction(run), 'code:dep:local': fingerprintFunction(local) });
      assert.deepEqual(plan.stages.b.code?.untracked, ['factor']);
    });
  });

  describe('when an inline stage declares a function code dependency that no module exports, and it changes', () => {
    it('changes that stage`s key, naming the dependency', () => {
      const run: StageFn = () => 1;
      const helperV1 = (n: number) => n + 1;
      const helperV2 = (n: number) => n + 2;
      const define = (helper: (n: number) => number): PipelineDefinition => ({
        name: 'inline',
        stages: [
          { id: 'a', run, codeDeps: [Object.defineProperty(helper, 'name', { value: 'helper' })] },
          { id: 'b', run },
        ],
      });
      assert.deepEqual(changed(partsNow(compilePipeline(define(helperV1))), partsNow(compilePipeline(define(helperV2)))), {
        a: ['code dependency `helper` changed'],
      });
    });
  });

  describe('when an inline stage declares a function code dependency exported by a module, and the module is edited', () => {
    it('changes that stage`s key, naming the file', () => {
      const run: StageFn = () => modules.clean(['x']);
      const compiled = compilePipeline({ name: 'inline', stages: [{ id: 'a', run, codeDeps: [modules.clean] }, { id: 'b', run }] });
      assert.equal(compiled.plan.stages.a.code?.parts['code:dep:clean'], 'lib/clean.ts#clean');
      const before = partsNow(compiled);
      edit(dir, 'lib/clean.ts', 'filter(Boolean)', 'filter((r) => r.length > 1)');
      assert.deepEqual(changed(before, partsNow(compiled)), { a: ['code changed: lib/clean.ts'] });
    });
  });

  describe('when an inline stage declares a module path as code dependency, and a module it imports is edited', () => {
    it('resolves the path from the working directory and changes that stage`s key, naming the file', () => {
      const run: StageFn = () => 1;
      const compiled = compilePipeline({ name: 'inline', stages: [{ id: 'a', run, codeDeps: ['./lib/helper'] }, { id: 'b', run }] });
      assert.equal(compiled.plan.stages.a.code?.parts['code:dep:lib/helper.ts'], 'lib/helper.ts');
      const before = partsNow(compiled);
      edit(dir, 'lib/g.ts', 'n + 1', 'n + 100');
      assert.deepEqual(changed(before, partsNow(compiled)), { a: ['code changed: lib/g.ts'] });
    });
  });

  describe('when a code dependency path names no file', () => {
    it('fails to compile naming the stage, the index and the path', () => {
      let issues: PlanIssue[] = [];
      try {
        compilePipeline({ name: 'inline', stages: [{ id: 'a', run: () => 1, codeDeps: ['./lib/missing.ts'] }] });
      } catch (e) {
        assert.ok(hasErrorCode(e, 'PLAN_INVALID'));
        issues = (e as DagbookError).data.issues as PlanIssue[];
      }
      assert.deepEqual(issues, [
        {
          code: 'PLAN_INVALID_FIELD',
          path: 'stages.a.codeDeps.0',
          message: `Stage \`a\`: code dependency \`./lib/missing.ts\` names no file (resolved from \`${process.cwd()}\`)`,
          stageId: 'a',
        },
      ]);
    });
  });

  describe('when the stage function`s source cannot be parsed', () => {
    it('tracks its text and says why nothing is listed as not tracked', () => {
      const { plan } = compilePipeline({ name: 'native', stages: [{ id: 'a', run: Math.max as unknown as StageFn }] });
      assert.deepEqual(plan.stages.a.code?.untracked, []);
      assert.equal(plan.stages.a.code?.unparsed, 'its source could not be parsed (Unexpected token (1:26)): only its text is tracked');
      assert.deepEqual(plan.stages.a.code?.parts, { 'code:fn': fingerprintFunction(Math.max) });
    });
  });

  describe('when a stage declares a version', () => {
    it('keys on the version alone and tracks no code', () => {
      const { plan } = compilePipeline({ name: 'v', stages: [{ id: 'scale', run: modules.scale, version: '2' }] });
      assert.equal(plan.stages.scale.code, undefined);
      assert.deepEqual(cacheKeyParts(plan.stages.scale, {}, {}, noSecretDigest), { code: 'version:2' });
      edit(dir, 'lib/g.ts', 'n + 1', 'n + 100');
      assert.equal(refreshStageCode(plan.stages.scale), plan.stages.scale);
    });
  });
});
