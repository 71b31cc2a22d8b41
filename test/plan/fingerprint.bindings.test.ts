import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import type { StageFn } from '../../src/definition/types';
import { cacheKey, cacheKeyParts, describeChanges } from '../../src/plan/cache-key';
import { compilePipeline } from '../../src/plan/compile';
import { fingerprintFunction, refreshStageCode } from '../../src/plan/fingerprint';

/** These stages have no secret params: a digest asked for would be a bug. */
const noSecretDigest = (): string => {
  throw new Error('no secret params here');
};

/**
 * Captured import bindings of a function written in a cell or a script. The
 * functions are built from literal compiled sources (what tslab's TypeScript
 * and tsx's esbuild emit for a cell or script that imports), with the
 * bindings passed in as the enclosing scope.
 *
 * The project: `lib/clean.ts` exports `clean`, `lib/g.ts` exports `g`;
 * packages `fakepkg` 1.0.0 and `@acme/date-tool` 2.1.0 are installed.
 */
function project(): string {
  const dir = fs.realpathSync(fs.mkdtempSync(path.join(os.tmpdir(), 'dagbook-bindings-')));
  const files: Record<string, string> = {
    'package.json': '{ "name": "bindings", "private": true }\n',
    'lib/clean.ts': 'export const clean = (rows: string[]) => rows.filter(Boolean);\n',
    'lib/g.ts': 'export const g = (n: number) => n + 1;\n',
    'node_modules/fakepkg/package.json': '{ "name": "fakepkg", "version": "1.0.0" }\n',
    'node_modules/@acme/date-tool/package.json': '{ "name": "@acme/date-tool", "version": "2.1.0" }\n',
  };
  for (const [file, text] of Object.entries(files)) {
    fs.mkdirSync(path.dirname(path.join(dir, file)), { recursive: true });
    fs.writeFileSync(path.join(dir, file), text);
  }
  return dir;
}

/** A stage function with the given compiled body, closing over `scope`. */
function compiled(scope: Record<string, unknown>, body: string): StageFn {
  return new Function(...Object.keys(scope), `return ${body};`)(...Object.values(scope)) as StageFn;
}

function sha(file: string): string {
  return createHash('sha256').update(fs.readFileSync(file)).digest('hex');
}

describe('code identity of captured import bindings (fingerprint)', () => {
  const cwd = process.cwd();
  let dir: string;
  let lib: { clean: unknown; g: unknown };

  beforeEach(() => {
    dir = project();
    process.chdir(dir);
    lib = { clean: require(path.join(dir, 'lib/clean.ts')), g: require(path.join(dir, 'lib/g.ts')) };
  });

  afterEach(() => {
    process.chdir(cwd);
    delete (globalThis as { __tslab__?: unknown }).__tslab__;
    fs.rmSync(dir, { recursive: true, force: true });
  });

  describe('when a cell`s function uses TypeScript`s bindings of a local module, packages and a name that is none', () => {
    it('tracks the module`s graph and each package`s version, and lists only the rest as not tracked', () => {
      const run = compiled(
        { clean_1: lib.clean, fakepkg_1: {}, date_tool_1: {}, nothing_1: {}, factor: 2 },
        '(_ctx) => (0, clean_1.clean)(["a"]).length * fakepkg_1.x * date_tool_1.y * nothing_1.z * factor',
      );
      const { plan } = compilePipeline({ name: 'b', stages: [{ id: 'a', run }] });
      assert.deepEqual(plan.stages.a.code, {
        root: dir,
        fixed: { 'code:fn': fingerprintFunction(run) },
        modules: [path.join(dir, 'lib/clean.ts')],
        packages: {
          '@acme/date-tool': path.join(dir, 'node_modules/@acme/date-tool/package.json'),
          fakepkg: path.join(dir, 'node_modules/fakepkg/package.json'),
        },
        parts: {
          'code:fn': fingerprintFunction(run),
          'code:file:lib/clean.ts': sha(path.join(dir, 'lib/clean.ts')),
          'code:pkg:@acme/date-tool': '2.1.0',
          'code:pkg:fakepkg': '1.0.0',
        },
        untracked: ['factor', 'nothing_1'],
      });
    });
  });

  describe('when a script`s function uses esbuild`s bindings (`import_<name>`)', () => {
    it('tracks them the same way', () => {
      const run = compiled({ import_g: lib.g, import_fakepkg: {} }, '() => (0, import_g.g)(1) + import_fakepkg.x');
      const { plan } = compilePipeline({ name: 'b', stages: [{ id: 'a', run }] });
      assert.deepEqual(plan.stages.a.code?.modules, [path.join(dir, 'lib/g.ts')]);
      assert.deepEqual(plan.stages.a.code?.packages, { fakepkg: path.join(dir, 'node_modules/fakepkg/package.json') });
      assert.deepEqual(plan.stages.a.code?.untracked, []);
    });
  });

  describe('when a binding`s name matches a loaded module that does not export what the function reads off it', () => {
    it('does not take that module for it', () => {
      const run = compiled({ clean_1: {} }, '() => clean_1.notExported()');
      const { plan } = compilePipeline({ name: 'b', stages: [{ id: 'a', run }] });
      assert.deepEqual(plan.stages.a.code?.modules, []);
      assert.deepEqual(plan.stages.a.code?.untracked, ['clean_1']);
    });
  });

  describe('when a package a binding names changes version, or a module it names is edited', () => {
    it('changes the key, naming the package and the file', () => {
      const run = compiled({ clean_1: lib.clean, fakepkg_1: {} }, '() => (0, clean_1.clean)([]).length + fakepkg_1.x');
      const stage = compilePipeline({ name: 'b', stages: [{ id: 'a', run }] }).plan.stages.a;
      const before = cacheKeyParts(refreshStageCode(stage), {}, {}, noSecretDigest);
      fs.writeFileSync(path.join(dir, 'node_modules/fakepkg/package.json'), '{ "name": "fakepkg", "version": "1.0.10" }\n');
      fs.writeFileSync(path.join(dir, 'lib/clean.ts'), 'export const clean = (rows: string[]) => rows;\n');
      const after = cacheKeyParts(refreshStageCode(stage), {}, {}, noSecretDigest);
      assert.notEqual(cacheKey(after), cacheKey(before));
      assert.deepEqual(describeChanges(before, after), ['code changed: lib/clean.ts', 'package `fakepkg` changed (1.0.0 -> 1.0.10)']);
    });
  });

  describe('when a tslab cell`s function reads names an earlier cell declared (`exports.<name>`)', () => {
    it('tracks an imported module function and an imported module namespace by their modules, and lists the other names', () => {
      (globalThis as { __tslab__?: unknown }).__tslab__ = { exports: { clean: (lib.clean as { clean: unknown }).clean, gs: lib.g, factor: 3, local: () => 1 } };
      const run = compiled({ exports: {} }, '() => exports.clean(["a"]).length + exports.gs.g(1) * exports.factor + exports.local()');
      const { plan } = compilePipeline({ name: 'b', stages: [{ id: 'a', run }] });
      assert.deepEqual(plan.stages.a.code?.modules, [path.join(dir, 'lib/clean.ts'), path.join(dir, 'lib/g.ts')]);
      assert.deepEqual(plan.stages.a.code?.untracked, ['factor', 'local']);
    });
  });
});
