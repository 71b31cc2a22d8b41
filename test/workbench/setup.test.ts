import { strict as assert } from 'node:assert';
import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';

const root = path.resolve(__dirname, '..', '..');
const setup = path.join(root, 'scripts', 'setup.js');

/**
 * A project folder whose node packages look installed (so set-up goes
 * straight to the Python step), holding a copy of the set-up script.
 */
function fakeProject(): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'dagbook-setup-'));
  fs.mkdirSync(path.join(dir, 'scripts'));
  fs.copyFileSync(setup, path.join(dir, 'scripts', 'setup.js'));
  fs.writeFileSync(path.join(dir, 'package-lock.json'), '{}\n');
  fs.mkdirSync(path.join(dir, 'node_modules', '.bin'), { recursive: true });
  fs.writeFileSync(path.join(dir, 'node_modules', '.package-lock.json'), '{}\n');
  fs.writeFileSync(path.join(dir, 'node_modules', '.bin', 'tslab'), '');
  const lockHash = createHash('sha256').update('{}\n').digest('hex');
  fs.writeFileSync(path.join(dir, 'node_modules', '.dagbook-setup.json'), JSON.stringify({ lockHash }));
  return dir;
}

describe('scripts/setup.js', function () {
  this.timeout(120_000);

  describe('when nothing changed since the last set-up', () => {
    it('does nothing and says it is ready', () => {
      const r = spawnSync(process.execPath, [setup], { cwd: root, encoding: 'utf8' });
      assert.equal(r.status, 0, r.stderr);
      assert.match(r.stderr, /^\[dagbook setup\] ready in \d+\.\d s\n$/);
    });
  });

  describe('when no Python 3 can be found', () => {
    it('says which step failed and what to do, without a stack trace', () => {
      const dir = fakeProject();
      try {
        const r = spawnSync(process.execPath, [path.join(dir, 'scripts', 'setup.js')], {
          cwd: dir,
          encoding: 'utf8',
          env: { PATH: path.join(dir, 'no-such-bin'), DAGBOOK_PYTHON: path.join(dir, 'no-python3') },
        });
        assert.equal(r.status, 1);
        assert.match(r.stderr, /python failed: no Python 3 found \(tried .*no-python3, python3, python\)/);
        assert.match(r.stderr, /what to do: Install Python 3 with its venv module \(Debian: `apt-get install python3 python3-venv`\)/);
        assert.doesNotMatch(r.stderr, /\n\s+at /);
      } finally {
        fs.rmSync(dir, { recursive: true, force: true });
      }
    });
  });

  describe('when pip cannot install requirements-dev.txt', () => {
    it('says pip failed and what to do', () => {
      const dir = fakeProject();
      try {
        fs.writeFileSync(path.join(dir, 'requirements-dev.txt'), './no-such-package-dir\n');
        const r = spawnSync(process.execPath, [path.join(dir, 'scripts', 'setup.js')], { cwd: dir, encoding: 'utf8' });
        assert.equal(r.status, 1);
        assert.match(r.stderr, /python packages failed: `.*python -m pip install .* -r requirements-dev\.txt` exited with code 1/);
        assert.match(r.stderr, /what to do: pip could not install requirements-dev\.txt/);
      } finally {
        fs.rmSync(dir, { recursive: true, force: true });
      }
    });
  });
});
