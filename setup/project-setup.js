/**
 * The idempotent set-up of a dagbook workbench project: dagbook's own
 * repository (`npm start`, `npm test`) and a project made by `dagbook init`
 * (`dagbook init`, `npm start` there) run the same steps:
 *   1. node packages: installed when node_modules is missing or the lockfile
 *      changed, then a check that the kernel's native parts work (zeromq's
 *      binding loads, esbuild's binary runs); package.json's `allowScripts`
 *      names the install scripts npm may run for them;
 *   2. a Python virtualenv in `<project>/.venv/` with the project's
 *      requirements-dev.txt installed (when missing or when that file changed);
 *   3. the tslab kernels registered into that virtualenv with an absolute path
 *      to the project's `node_modules/.bin/tslab`, with no require hook: the
 *      kernel loads dagbook's compiled JavaScript, and dagbook registers tsx
 *      itself when a pipeline names a TypeScript stage module;
 *   4. optionally, `node_modules/dagbook` linked to the project (dagbook's own
 *      repository, so its notebooks import `dagbook` by name);
 *   5. dagbook's JupyterLab setting overrides (`jupyter/overrides.json` of the
 *      package) installed into the virtualenv's `share/jupyter/lab/settings/overrides.d/`;
 *   6. any extra steps the caller passes (the repository's tests add Chromium);
 *   7. a `state/` folder.
 * What was done is remembered beside what it made (`node_modules/.dagbook-setup.json`,
 * `.venv/dagbook-setup.json`), so a second run with nothing changed only
 * hashes two files and checks a few paths.
 *
 * Plain Node with no dependencies: it runs before node_modules exists, and
 * before or without tsx. It ships inside the package (`setup/` in package.json's
 * `files`) so that a user's project runs the very same steps.
 */
'use strict';
const { spawnSync } = require('node:child_process');
const crypto = require('node:crypto');
const fs = require('node:fs');
const path = require('node:path');

/** dagbook's package folder: the JupyterLab overrides come from here. */
const packageRoot = path.resolve(__dirname, '..');

/** A failed step: `step` names it, `hint` says what to do. */
class SetupError extends Error {
  constructor(step, message, hint) {
    super(message);
    this.step = step;
    this.hint = hint;
  }
}

function fileHash(file) {
  try {
    return crypto.createHash('sha256').update(fs.readFileSync(file)).digest('hex');
  } catch {
    return null;
  }
}

function readStamp(file) {
  try {
    return JSON.parse(fs.readFileSync(file, 'utf8'));
  } catch {
    return {};
  }
}

function writeStamp(file, value) {
  fs.writeFileSync(file, JSON.stringify(value, null, 2) + '\n');
}

/** The folder of package `name` as Node resolves it from the folders `from`, or null. */
function packageDir(name, from) {
  try {
    return path.dirname(require.resolve(`${name}/package.json`, { paths: from }));
  } catch {
    return null;
  }
}

/**
 * What is wrong with the native parts the kernel needs in the project `dir`,
 * one line each (empty when all is well): zeromq's binding (tslab talks to
 * Jupyter through it; found from tslab) must load, and esbuild's binary (tsx
 * compiles TypeScript with it; found from tsx, itself found from
 * `dagbookDir`, the dagbook package the project uses) must run and report its
 * package's version. Each is tried in a child process, so a broken binding
 * cannot take set-up down with it.
 */
function nativeProblems(dir, dagbookDir = dir) {
  const problems = [];
  const zeromqDir = packageDir('zeromq', [packageDir('tslab', [dir]) || dir, dir]);
  const zeromq = spawnSync(process.execPath, ['-e', `require(${JSON.stringify(zeromqDir || path.join(dir, 'node_modules', 'zeromq'))})`], { encoding: 'utf8' });
  if (zeromq.status !== 0) {
    const reason = (zeromq.stderr || '').split('\n').find((line) => /^\w*Error\b/.test(line)) || `exit code ${zeromq.status}`;
    problems.push(`zeromq's native binding does not load (${reason.trim()})`);
  }
  const esbuildDir = packageDir('esbuild', [packageDir('tsx', [dagbookDir]) || dagbookDir, dir]);
  let expected = null;
  try {
    expected = JSON.parse(fs.readFileSync(path.join(esbuildDir, 'package.json'), 'utf8')).version;
  } catch {
    problems.push(`esbuild is not installed where tsx finds it (from ${dagbookDir})`);
  }
  if (expected !== null) {
    const esbuild = spawnSync(path.join(esbuildDir, 'bin', 'esbuild'), ['--version'], { encoding: 'utf8' });
    const version = (esbuild.stdout || '').trim();
    if (esbuild.status !== 0 || version !== expected) {
      problems.push(`esbuild's binary does not answer \`--version\` with ${expected} (it gave ${JSON.stringify(version)}, exit code ${esbuild.status})`);
    }
  }
  return problems;
}

/**
 * The set-up of the project in `options.root`; see the module comment.
 * Options:
 * - `root`: the project folder (absolute);
 * - `dagbookDir`: the dagbook package the project uses, tsx is resolved from it
 *   (default: `<root>/node_modules/dagbook`);
 * - `nodeInstall`: `'ci'` (dagbook's repository: `npm ci` when a lockfile
 *   exists) or `'install'` (a user's project: `npm install`, which keeps what
 *   is installed); default `'install'`;
 * - `linkSelf`: link `node_modules/dagbook` to `root`; default false;
 * - `extraSteps`: functions called with a step context after the kernel steps;
 * - `log`: where progress lines go (default: stderr, prefixed `[dagbook setup]`).
 */
class ProjectSetup {
  constructor(options) {
    this.root = options.root;
    this.dagbookDir = options.dagbookDir || path.join(this.root, 'node_modules', 'dagbook');
    this.nodeInstall = options.nodeInstall || 'install';
    this.linkSelf = Boolean(options.linkSelf);
    this.extraSteps = options.extraSteps || [];
    this.log = options.log || ((line) => process.stderr.write(`[dagbook setup] ${line}\n`));
    this.venvDir = path.join(this.root, '.venv');
    this.venvPython = path.join(this.venvDir, process.platform === 'win32' ? 'Scripts/python.exe' : 'bin/python');
    this.tslabBin = path.join(this.root, 'node_modules', '.bin', 'tslab');
  }

  /** Runs a command in the project folder; throws a SetupError naming `step` when it fails. */
  run(step, command, args, hint, options = {}) {
    this.log(`${step}: ${command} ${args.join(' ')}`);
    const result = spawnSync(command, args, { cwd: this.root, stdio: ['ignore', 'inherit', 'inherit'], ...options });
    if (result.error) {
      throw new SetupError(step, `could not start \`${command}\`: ${result.error.message}`, hint);
    }
    if (result.status !== 0) {
      throw new SetupError(step, `\`${command} ${args.join(' ')}\` exited with code ${result.status}`, hint);
    }
  }

  checkNode() {
    const [major, minor] = process.versions.node.split('.').map(Number);
    if (major < 20 || (major === 20 && minor < 19)) {
      throw new SetupError(
        'node',
        `Node ${process.versions.node} is too old`,
        'dagbook needs Node >= 20.19 (it loads ES-module-only packages with require()). Install a newer Node and run again.',
      );
    }
  }

  nodePackages() {
    const lockFile = path.join(this.root, 'package-lock.json');
    const stamp = path.join(this.root, 'node_modules', '.dagbook-setup.json');
    const lockHash = fileHash(lockFile);
    const installed = fs.existsSync(path.join(this.root, 'node_modules', '.package-lock.json')) && fs.existsSync(this.tslabBin);
    if (installed && readStamp(stamp).lockHash === lockHash) return;
    const npm = process.platform === 'win32' ? 'npm.cmd' : 'npm';
    const args = lockHash && this.nodeInstall === 'ci' ? ['ci', '--no-audit', '--no-fund'] : ['install', '--no-audit', '--no-fund'];
    this.run('node packages', npm, args, 'Check that the npm registry is reachable, then run again.');
    if (!fs.existsSync(this.tslabBin)) {
      throw new SetupError(
        'node packages',
        `${this.tslabBin} is missing after \`npm ${args[0]}\``,
        'The project must depend on tslab (the notebook kernel): add `"tslab": "1.0.22"` to package.json\'s dependencies, then run again.',
      );
    }
    const problems = nativeProblems(this.root, this.dagbookDir);
    if (problems.length > 0) {
      throw new SetupError(
        'node packages',
        `the kernel's native parts did not install: ${problems.join('; ')}`,
        "Their install scripts must run: check that package.json's `allowScripts` approves the installed versions (`npm install-scripts ls`), then delete `node_modules/` and run again.",
      );
    }
    writeStamp(stamp, { lockHash: fileHash(lockFile) });
  }

  findPython() {
    const candidates = [process.env.DAGBOOK_PYTHON, 'python3', 'python'].filter(Boolean);
    for (const candidate of candidates) {
      const probe = spawnSync(candidate, ['-c', 'import sys; print(sys.version_info[0])'], { encoding: 'utf8' });
      if (probe.status === 0 && probe.stdout.trim() === '3') return candidate;
    }
    throw new SetupError(
      'python',
      `no Python 3 found (tried ${candidates.join(', ')})`,
      'Install Python 3 with its venv module (Debian: `apt-get install python3 python3-venv`), or point DAGBOOK_PYTHON at a python3 binary.',
    );
  }

  venv() {
    const stamp = path.join(this.venvDir, 'dagbook-setup.json');
    const reqHash = fileHash(path.join(this.root, 'requirements-dev.txt'));
    const venvOk = fs.existsSync(this.venvPython);
    if (venvOk && readStamp(stamp).reqHash === reqHash) return;
    if (!venvOk) {
      this.run(
        'python virtualenv',
        this.findPython(),
        ['-m', 'venv', this.venvDir],
        'The Python venv module is missing or failed. On Debian: `apt-get install python3-venv`; then delete `.venv/` and run again.',
      );
    }
    this.run(
      'python packages',
      this.venvPython,
      ['-m', 'pip', 'install', '--disable-pip-version-check', '-q', '-r', 'requirements-dev.txt'],
      'pip could not install requirements-dev.txt: check that the Python package index is reachable, then run again (delete `.venv/` to start over).',
    );
    writeStamp(stamp, { reqHash });
  }

  kernelSpecPath(name) {
    return path.join(this.venvDir, 'share', 'jupyter', 'kernels', name, 'kernel.json');
  }

  kernelsRegistered() {
    return ['tslab', 'jslab'].every((name) => {
      try {
        const spec = JSON.parse(fs.readFileSync(this.kernelSpecPath(name), 'utf8'));
        return spec.argv[0] === this.tslabBin && !(spec.env && spec.env.NODE_OPTIONS);
      } catch {
        return false;
      }
    });
  }

  kernels() {
    if (this.kernelsRegistered()) return;
    this.run(
      'jupyter kernel',
      this.tslabBin,
      ['install', `--python=${this.venvPython}`, `--binary=${this.tslabBin}`, '--sys-prefix'],
      'Registering the tslab kernel failed: delete `.venv/` and `node_modules/` and run again.',
    );
    const names = { tslab: 'TypeScript (dagbook)', jslab: 'JavaScript (dagbook)' };
    for (const [name, displayName] of Object.entries(names)) {
      const file = this.kernelSpecPath(name);
      const spec = JSON.parse(fs.readFileSync(file, 'utf8'));
      spec.display_name = displayName;
      delete spec.env;
      fs.writeFileSync(file, JSON.stringify(spec, null, 2) + '\n');
    }
    if (!this.kernelsRegistered()) {
      throw new SetupError('jupyter kernel', `the kernelspec at ${this.kernelSpecPath('tslab')} does not point at ${this.tslabBin}`, 'Delete `.venv/` and run again.');
    }
  }

  // tslab type-checks a cell's imports with rootDir = the notebook's folder, so
  // dagbook's own notebooks cannot import `../src` by path. They import the
  // package by name instead: node_modules/dagbook links back to the project,
  // whose `main` and `types` are the build in dist/ (compiled JavaScript and
  // declarations), so a kernel neither compiles nor type-checks the library's source.
  selfLink() {
    const link = path.join(this.root, 'node_modules', 'dagbook');
    try {
      if (fs.realpathSync(link) === fs.realpathSync(this.root)) return;
    } catch {
      // missing or dangling: (re)create it below
    }
    fs.rmSync(link, { recursive: true, force: true });
    fs.symlinkSync('..', link, 'dir');
  }

  labOverrides() {
    const source = path.join(packageRoot, 'jupyter', 'overrides.json');
    const target = path.join(this.venvDir, 'share', 'jupyter', 'lab', 'settings', 'overrides.d', 'dagbook.json');
    const wanted = fs.readFileSync(source, 'utf8');
    try {
      if (fs.readFileSync(target, 'utf8') === wanted) return;
    } catch {
      // missing: written below
    }
    this.log(`jupyter settings: ${source} -> ${path.relative(this.root, target)}`);
    fs.mkdirSync(path.dirname(target), { recursive: true });
    fs.writeFileSync(target, wanted);
  }

  /** Runs every step in order; throws a SetupError at the first that fails. */
  all() {
    this.checkNode();
    this.nodePackages();
    this.venv();
    if (this.linkSelf) this.selfLink();
    this.kernels();
    this.labOverrides();
    for (const step of this.extraSteps) step(this);
    fs.mkdirSync(path.join(this.root, 'state'), { recursive: true });
  }
}

/**
 * Sets the project up (see {@link ProjectSetup} for the options); returns 0
 * when set up, 1 after saying on stderr which step failed and what to do.
 */
function setUpProject(options) {
  const started = Date.now();
  const setup = new ProjectSetup(options);
  try {
    setup.all();
    setup.log(`ready in ${((Date.now() - started) / 1000).toFixed(1)} s`);
    return 0;
  } catch (error) {
    if (error instanceof SetupError) {
      process.stderr.write(`\n[dagbook setup] ${error.step} failed: ${error.message}\n[dagbook setup] what to do: ${error.hint}\n`);
    } else {
      process.stderr.write(`\n[dagbook setup] failed: ${error && error.message}\n`);
    }
    return 1;
  }
}

module.exports = { setUpProject, nativeProblems, SetupError, ProjectSetup };
