import { strict as assert } from 'node:assert';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { chooseDagbookDependency, dagbookSpecIn, rebaseSpec } from '../../src/cli/dagbook-dependency';

describe('rebaseSpec', () => {
  describe('when the spec names a tarball or a folder', () => {
    it('re-writes it relative to the new folder, as a file: spec', () => {
      assert.equal(rebaseSpec('file:../../../../tmp/dist/dagbook-0.1.0.tgz', '/root/.npm/_npx/c7b7', '/home/ana/wb'), 'file:../../../tmp/dist/dagbook-0.1.0.tgz');
      assert.equal(rebaseSpec('file:vendor/dagbook-0.1.0.tgz', '/work/app', '/work/app/workbench'), 'file:../vendor/dagbook-0.1.0.tgz');
      assert.equal(rebaseSpec('../dagbook', '/work/app', '/work/app/workbench'), 'file:../../dagbook');
      assert.equal(rebaseSpec('/opt/dagbook-0.1.0.tgz', '/work/app', '/work/wb'), 'file:../../opt/dagbook-0.1.0.tgz');
      assert.equal(rebaseSpec('file:/work/wb', '/anywhere', '/work/wb'), 'file:.');
    });
  });

  describe('when the spec names a registry version, a tag or a git repository', () => {
    it('keeps it as it is', () => {
      for (const spec of ['^0.1.0', 'latest', 'npm:dagbook@0.1.0', 'github:owner/dagbook', 'git+https://example.org/dagbook.git', 'https://example.org/dagbook-0.1.0.tgz']) {
        assert.equal(rebaseSpec(spec, '/a', '/b/c'), spec);
      }
    });
  });
});

describe('chooseDagbookDependency', () => {
  let tmp: string;

  beforeEach(() => {
    tmp = fs.realpathSync(fs.mkdtempSync(path.join(os.tmpdir(), 'dagbook-dependency-')));
  });

  afterEach(() => fs.rmSync(tmp, { recursive: true, force: true }));

  function writeJson(file: string, value: unknown): void {
    fs.mkdirSync(path.dirname(file), { recursive: true });
    fs.writeFileSync(file, JSON.stringify(value));
  }

  describe("when the target folder's package.json names dagbook", () => {
    it('keeps that spec as it is', () => {
      writeJson(path.join(tmp, 'wb', 'package.json'), { devDependencies: { dagbook: 'file:../dagbook-0.1.0.tgz' } });
      assert.deepEqual(chooseDagbookDependency(path.join(tmp, 'wb'), { packageRoot: path.join(tmp, 'elsewhere'), version: '0.1.0' }), {
        spec: 'file:../dagbook-0.1.0.tgz',
        reason: `as ${path.join(tmp, 'wb', 'package.json')} names it`,
      });
    });
  });

  describe('when a project above the target folder names dagbook', () => {
    it('takes its spec, relative to the target folder', () => {
      writeJson(path.join(tmp, 'app', 'package.json'), { dependencies: { dagbook: 'file:vendor/dagbook-0.1.0.tgz' } });
      assert.deepEqual(chooseDagbookDependency(path.join(tmp, 'app', 'analysis', 'wb'), { packageRoot: path.join(tmp, 'app', 'node_modules', 'dagbook'), version: '0.1.0' }), {
        spec: 'file:../../vendor/dagbook-0.1.0.tgz',
        reason: `as ${path.join(tmp, 'app', 'package.json')} names it`,
      });
    });
  });

  describe('when dagbook runs from the node_modules of a project that names it (npx --package=<tarball>)', () => {
    it("takes that project's spec, relative to the target folder", () => {
      const npx = path.join(tmp, 'cache', '_npx', 'c7b7');
      writeJson(path.join(npx, 'package.json'), { dependencies: { dagbook: 'file:../../../dist/dagbook-0.1.0.tgz' }, _npx: { packages: ['../dist/dagbook-0.1.0.tgz'] } });
      assert.deepEqual(chooseDagbookDependency(path.join(tmp, 'wb'), { packageRoot: path.join(npx, 'node_modules', 'dagbook'), version: '0.1.0' }), {
        spec: 'file:../dist/dagbook-0.1.0.tgz',
        reason: `as ${path.join(npx, 'package.json')} names it`,
      });
    });
  });

  describe('when dagbook runs from node_modules that no project names it in (a global install)', () => {
    it("takes dagbook's version from the registry", () => {
      assert.deepEqual(chooseDagbookDependency(path.join(tmp, 'wb'), { packageRoot: path.join(tmp, 'lib', 'node_modules', 'dagbook'), version: '0.3.1' }), {
        spec: '^0.3.1',
        reason: "dagbook's version on the registry",
      });
    });
  });

  describe('when dagbook runs from a folder of its own (a clone)', () => {
    it('links that folder', () => {
      assert.deepEqual(chooseDagbookDependency(path.join(tmp, 'wb'), { packageRoot: path.join(tmp, 'src', 'dagbook'), version: '0.1.0' }), {
        spec: 'file:../src/dagbook',
        reason: 'the folder dagbook runs from',
      });
    });
  });
});

describe('dagbookSpecIn', () => {
  describe('when the file is missing or not JSON', () => {
    it('finds no spec', () => {
      const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'dagbook-spec-'));
      try {
        assert.equal(dagbookSpecIn(path.join(dir, 'package.json')), undefined);
        fs.writeFileSync(path.join(dir, 'package.json'), '{ not json');
        assert.equal(dagbookSpecIn(path.join(dir, 'package.json')), undefined);
      } finally {
        fs.rmSync(dir, { recursive: true, force: true });
      }
    });
  });
});
