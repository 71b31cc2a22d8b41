import { strict as assert } from 'node:assert';
import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';

const root = path.resolve(__dirname, '..', '..');
const setup = path.join(root, 'scripts', 'setup.js');
const setupLibrary = path.join(root, 'setup', 'project-setup.js');
// The script exports its native check; requiring it runs no step.
// eslint-disable-next-line @typescript-eslint/no-require-imports
const { nativeProblems } = require(setup) as { nativeProblems: (dir: string) => string[] };

/** Copies the set-up script and the set-up it runs (`setup/`) into `dir`, as in the repository. */
function copySetup(dir: string): void {
  fs.mkdirSync(path.join(dir, 'scripts'));
  fs.copyFileSync(setup, path.join(dir, 'scripts', 'setup.js'));
  fs.mkdirSync(path.join(dir, 'setup'));
  fs.copyFileSync(setupLibrary, path.join(dir, 'setup', 'project-setup.js'));
}

/**
 * A project folder whose node packages look installed (so set-up goes
 * straight to the Python step), holding a copy of the set-up script.
 */
function fakeProject(): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'dagbook-setup-'));
  copySetup(dir);
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

  describe('when npm installs the node packages into a fresh copy of the project', () => {
    let dir: string;
    let result: ReturnType<typeof spawnSync>;

    before(function () {
      this.timeout(600_000);
      dir = fs.mkdtempSync(path.join(os.tmpdir(), 'dagbook-setup-npm-'));
      copySetup(dir);
      for (const file of ['package.json', 'package-lock.json']) fs.copyFileSync(path.join(root, file), path.join(dir, file));
      // Node, npm, the shell npm runs install scripts in, and the tools a native
      // binding compiles with (better-sqlite3's, through node-gyp, which is given
      // Python by PYTHON) on the PATH, but no Python: set-up stops at
      // the Python step, right after npm's.
      const bin = path.join(dir, 'bin');
      fs.mkdirSync(bin);
      fs.symlinkSync(process.execPath, path.join(bin, 'node'));
      fs.symlinkSync('/bin/sh', path.join(bin, 'sh'));
      const npmCli = path.join(path.dirname(process.execPath), '..', 'lib', 'node_modules', 'npm', 'bin', 'npm-cli.js');
      fs.symlinkSync(npmCli, path.join(bin, 'npm'));
      const tools = path.join(dir, 'tools');
      fs.mkdirSync(tools);
      for (const name of fs.readdirSync('/usr/bin')) {
        if (!/^(python|pip|node$|npm$|npx$)/.test(name)) fs.symlinkSync(path.join('/usr/bin', name), path.join(tools, name));
      }
      result = spawnSync(process.execPath, [path.join(dir, 'scripts', 'setup.js')], {
        cwd: dir,
        encoding: 'utf8',
        env: { HOME: process.env.HOME, PATH: `${bin}:${tools}`, DAGBOOK_PYTHON: path.join(dir, 'no-python3'), PYTHON: '/usr/bin/python3' },
      });
    });

    after(() => fs.rmSync(dir, { recursive: true, force: true }));

    it('prints no warning about install scripts, then goes on to the Python step', () => {
      assert.equal(result.status, 1, String(result.stderr));
      assert.match(String(result.stderr), /^\[dagbook setup\] node packages: npm ci --no-audit --no-fund\n\n\[dagbook setup\] python failed: no Python 3 found/);
      assert.doesNotMatch(`${result.stdout}${result.stderr}`, /install-scripts|allowScripts/);
    });

    it("ran the install scripts of the kernel's native parts: zeromq's binding loads, esbuild's binary runs", () => {
      assert.deepEqual(nativeProblems(dir), []);
    });
  });

  describe("package.json's allowScripts", () => {
    it('approves esbuild, zeromq and better-sqlite3, denies core-js (its script only prints a banner) and msgpackr-extract (its binary comes prebuilt)', () => {
      const pkg = JSON.parse(fs.readFileSync(path.join(root, 'package.json'), 'utf8')) as { allowScripts?: unknown };
      assert.deepEqual(pkg.allowScripts, { 'better-sqlite3': true, 'core-js': false, esbuild: true, 'msgpackr-extract': false, zeromq: true });
    });

    it('covers every installed package with an install script, as `npm install-scripts ls` sees them', () => {
      const r = spawnSync('npm', ['install-scripts', 'ls'], { cwd: root, encoding: 'utf8' });
      assert.equal(r.status, 0, r.stderr);
      assert.equal(r.stdout, 'No packages with unreviewed install scripts.\n');
    });
  });

  describe("when the kernel's native parts are broken", () => {
    it("names each one: zeromq's binding that does not load, esbuild's binary of the wrong version", () => {
      const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'dagbook-setup-native-'));
      try {
        const zeromq = path.join(dir, 'node_modules', 'zeromq');
        fs.mkdirSync(zeromq, { recursive: true });
        fs.writeFileSync(path.join(zeromq, 'package.json'), '{ "name": "zeromq", "version": "6.8.0" }\n');
        fs.writeFileSync(path.join(zeromq, 'index.js'), "throw new Error('No native build was found for zeromq');\n");
        const esbuild = path.join(dir, 'node_modules', 'esbuild');
        fs.mkdirSync(path.join(esbuild, 'bin'), { recursive: true });
        fs.writeFileSync(path.join(esbuild, 'package.json'), '{ "name": "esbuild", "version": "0.28.2" }\n');
        fs.writeFileSync(path.join(esbuild, 'bin', 'esbuild'), '#!/bin/sh\necho 0.0.1\n', { mode: 0o755 });
        assert.deepEqual(nativeProblems(dir), [
          "zeromq's native binding does not load (Error: No native build was found for zeromq)",
          "esbuild's binary does not answer `--version` with 0.28.2 (it gave \"0.0.1\", exit code 0)",
        ]);
      } finally {
        fs.rmSync(dir, { recursive: true, force: true });
      }
    });
  });

  describe('when the project is set up', () => {
    it("checks that the kernel's native parts work", () => {
      assert.deepEqual(nativeProblems(root), []);
    });
  });
});
