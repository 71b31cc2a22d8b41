import { strict as assert } from 'node:assert';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { projectFolder } from '../src/project-folder';

describe('projectFolder', () => {
  let tmp: string;

  beforeEach(() => {
    tmp = fs.realpathSync(fs.mkdtempSync(path.join(os.tmpdir(), 'dagbook-project-folder-')));
  });

  afterEach(() => fs.rmSync(tmp, { recursive: true, force: true }));

  describe('when a folder above holds a package.json', () => {
    it('is the nearest such folder', () => {
      fs.mkdirSync(path.join(tmp, 'project', 'notebooks', 'deep'), { recursive: true });
      fs.writeFileSync(path.join(tmp, 'project', 'package.json'), '{}');
      assert.equal(projectFolder(path.join(tmp, 'project', 'notebooks', 'deep')), path.join(tmp, 'project'));
      assert.equal(projectFolder(path.join(tmp, 'project')), path.join(tmp, 'project'));
    });
  });

  describe('when no folder above holds a package.json', () => {
    it('is the folder itself', () => {
      fs.mkdirSync(path.join(tmp, 'loose'));
      assert.equal(projectFolder(path.join(tmp, 'loose')), path.join(tmp, 'loose'));
    });
  });
});
