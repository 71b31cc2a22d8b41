import { strict as assert } from 'node:assert';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { missingFromPackageJson, packageName, PROJECT_NEEDS, START_SCRIPT, TSLAB_VERSION } from '../../src/cli/project-template';

const ROOT = path.resolve(__dirname, '..', '..');

describe('project-template', () => {
  describe("when compared with this repository's package.json", () => {
    it('gives a project the tslab, the xlsx override and the install-script approvals dagbook is tested with', () => {
      const own = JSON.parse(fs.readFileSync(path.join(ROOT, 'package.json'), 'utf8')) as Record<string, Record<string, unknown>>;
      const tslab = own.dependencies?.tslab ?? own.devDependencies?.tslab ?? own.peerDependencies?.tslab;
      assert.equal(TSLAB_VERSION, tslab);
      assert.deepEqual(PROJECT_NEEDS.overrides, { xlsx: own.overrides.xlsx });
      assert.deepEqual(PROJECT_NEEDS.allowScripts, { 'core-js': own.allowScripts['core-js'], esbuild: own.allowScripts.esbuild, zeromq: own.allowScripts.zeromq });
    });
  });

  describe('packageName', () => {
    describe('when the folder name is not a valid package name', () => {
      it('makes one from it', () => {
        assert.equal(packageName('/home/ana/My Workbench'), 'my-workbench');
        assert.equal(packageName('/srv/.Hidden_Project!'), 'hidden_project');
        assert.equal(packageName('/'), 'dagbook-workbench');
      });
    });
  });

  describe('missingFromPackageJson', () => {
    describe('when the package.json is the one `npm init -y` writes', () => {
      it('asks for the start script, dagbook, tslab, the override and the install-script approvals', () => {
        assert.deepEqual(missingFromPackageJson({ name: 'x', scripts: { test: 'echo' } }, '^0.1.0'), {
          scripts: { start: START_SCRIPT },
          dependencies: { dagbook: '^0.1.0', tslab: '1.0.22' },
          overrides: { xlsx: '0.18.5' },
          allowScripts: { 'core-js': false, esbuild: true, zeromq: true },
        });
      });
    });

    describe('when it has them, as dev dependencies and approvals pinned to versions', () => {
      it('asks for nothing', () => {
        const manifest = {
          scripts: { start: START_SCRIPT },
          devDependencies: { dagbook: 'file:../d.tgz', tslab: '1.0.22' },
          overrides: { xlsx: '0.18.5' },
          allowScripts: { 'core-js': false, 'esbuild@0.28.2': true, 'zeromq@6.5.0': true },
        };
        assert.deepEqual(missingFromPackageJson(manifest, '^0.1.0'), {});
      });
    });

    describe('when its start script does something else', () => {
      it('asks for the start script only', () => {
        const manifest = {
          scripts: { start: 'node server.js' },
          dependencies: { dagbook: '^0.1.0', tslab: '1.0.22' },
          overrides: { xlsx: '0.18.5' },
          allowScripts: { 'core-js': false, esbuild: true, zeromq: true },
        };
        assert.deepEqual(missingFromPackageJson(manifest, '^0.1.0'), { scripts: { start: START_SCRIPT } });
      });
    });
  });
});
