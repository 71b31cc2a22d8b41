#!/usr/bin/env node
/**
 * One idempotent set-up step, run first by both `npm start` and `npm test`:
 *   1. node packages: `npm ci` when node_modules is missing or the lockfile changed,
 *      then a check that the kernel's native parts work (zeromq's binding loads,
 *      esbuild's binary runs); package.json's `allowScripts` names the install
 *      scripts npm may run for them;
 *   2. the library built into `dist/` (`scripts/build.js`) when `dist/` is
 *      missing or older than `src/` (in dagbook's repository, where that script is);
 *   3. a Python virtualenv in `.venv/` with requirements-dev.txt installed
 *      (when missing or when requirements-dev.txt changed);
 *   4. the tslab kernels registered into that virtualenv with an absolute binary path;
 *   5. `node_modules/dagbook` linked to the project, so notebooks import `dagbook`;
 *   6. the project's JupyterLab setting overrides (`jupyter/overrides.json`)
 *      installed into the virtualenv's `share/jupyter/lab/settings/overrides.d/`;
 *   7. with `--tests` (as `npm test` runs it): Debian's Chromium for the browser
 *      tests, installed with apt-get when missing and running as root.
 * What was done is remembered beside what it made (`node_modules/.dagbook-setup.json`,
 * `.venv/dagbook-setup.json`), so a second run with nothing changed only
 * hashes two files and checks a few paths.
 *
 * Plain Node with no dependencies: it must run before node_modules exists.
 * Run as a script it sets up and exits; `scripts/start.js` requires it and
 * calls `main` in its own process.
 */
'use strict';
const { spawnSync } = require('node:child_process');
const crypto = require('node:crypto');
const fs = require('node:fs');
const path = require('node:path');

const root = path.resolve(__dirname, '..');
const venvDir = path.join(root, '.venv');
const venvPython = path.join(venvDir, process.platform === 'win32' ? 'Scripts/python.exe' : 'bin/python');
const venvStamp = path.join(venvDir, 'dagbook-setup.json');
const nodeStamp = path.join(root, 'node_modules', '.dagbook-setup.json');
const tslabBin = path.join(root, 'node_modules', '.bin', 'tslab');
// tslab type-checks a cell's imports with rootDir = the notebook's folder, so
// notebooks cannot import `../src` by path. They import the package by name
// instead: node_modules/dagbook links back to the project, whose `main` and
// `types` are the build in dist/ (compiled JavaScript and declarations), so a
// kernel neither compiles nor type-checks the library's source. The kernels
// get no require hook: the library registers tsx itself when a pipeline
// names a TypeScript stage module.
const selfLink = path.join(root, 'node_modules', 'dagbook');
const labOverrides = path.join(root, 'jupyter', 'overrides.json');
const venvOverrides = path.join(venvDir, 'share', 'jupyter', 'lab', 'settings', 'overrides.d', 'dagbook.json');
const chromium = '/usr/bin/chromium';
let quiet = false;

class SetupError extends Error {
  constructor(step, message, hint) {
    super(message);
    this.step = step;
    this.hint = hint;
  }
}

function log(message) {
  if (!quiet) process.stderr.write(`[dagbook setup] ${message}\n`);
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

function run(step, command, args, hint, options = {}) {
  log(`${step}: ${command} ${args.join(' ')}`);
  const result = spawnSync(command, args, { cwd: root, stdio: ['ignore', 'inherit', 'inherit'], ...options });
  if (result.error) {
    throw new SetupError(step, `could not start \`${command}\`: ${result.error.message}`, hint);
  }
  if (result.status !== 0) {
    throw new SetupError(step, `\`${command} ${args.join(' ')}\` exited with code ${result.status}`, hint);
  }
}

function checkNode() {
  const [major, minor] = process.versions.node.split('.').map(Number);
  if (major < 20 || (major === 20 && minor < 19)) {
    throw new SetupError(
      'node',
      `Node ${process.versions.node} is too old`,
      'dagbook needs Node >= 20.19 (it loads ES-module-only packages with require()). Install a newer Node and run again.',
    );
  }
}

function setupNodePackages() {
  const lockHash = fileHash(path.join(root, 'package-lock.json'));
  const installed = fs.existsSync(path.join(root, 'node_modules', '.package-lock.json')) && fs.existsSync(tslabBin);
  if (installed && readStamp(nodeStamp).lockHash === lockHash) return;
  const npm = process.platform === 'win32' ? 'npm.cmd' : 'npm';
  const args = lockHash ? ['ci', '--no-audit', '--no-fund'] : ['install', '--no-audit', '--no-fund'];
  run('node packages', npm, args, 'Check that the npm registry is reachable, then run `npm test` again.');
  const problems = nativeProblems(root);
  if (problems.length > 0) {
    throw new SetupError(
      'node packages',
      `the kernel's native parts did not install: ${problems.join('; ')}`,
      "Their install scripts must run: check that package.json's `allowScripts` approves the installed versions (`npm install-scripts ls`), then delete `node_modules/` and run again.",
    );
  }
  writeStamp(nodeStamp, { lockHash: fileHash(path.join(root, 'package-lock.json')) });
}

/**
 * What is wrong with the native parts the kernel needs under `dir`'s
 * node_modules, one line each (empty when all is well): zeromq's binding
 * (tslab talks to Jupyter through it) must load, and esbuild's binary (tsx
 * compiles dagbook's TypeScript with it) must run and report its package's
 * version. Each is tried in a child process, so a broken binding cannot take
 * set-up down with it.
 */
function nativeProblems(dir) {
  const problems = [];
  const modules = path.join(dir, 'node_modules');
  const zeromq = spawnSync(process.execPath, ['-e', `require(${JSON.stringify(path.join(modules, 'zeromq'))})`], { encoding: 'utf8' });
  if (zeromq.status !== 0) {
    const reason = (zeromq.stderr || '').split('\n').find((line) => /^\w*Error\b/.test(line)) || `exit code ${zeromq.status}`;
    problems.push(`zeromq's native binding does not load (${reason.trim()})`);
  }
  let expected = null;
  try {
    expected = JSON.parse(fs.readFileSync(path.join(modules, 'esbuild', 'package.json'), 'utf8')).version;
  } catch {
    problems.push(`esbuild is not installed in ${modules}`);
  }
  if (expected !== null) {
    const esbuild = spawnSync(path.join(modules, 'esbuild', 'bin', 'esbuild'), ['--version'], { encoding: 'utf8' });
    const version = (esbuild.stdout || '').trim();
    if (esbuild.status !== 0 || version !== expected) {
      problems.push(`esbuild's binary does not answer \`--version\` with ${expected} (it gave ${JSON.stringify(version)}, exit code ${esbuild.status})`);
    }
  }
  return problems;
}

function findPython() {
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

function setupVenv() {
  const reqHash = fileHash(path.join(root, 'requirements-dev.txt'));
  const venvOk = fs.existsSync(venvPython);
  if (venvOk && readStamp(venvStamp).reqHash === reqHash) return;
  if (!venvOk) {
    const python = findPython();
    run(
      'python virtualenv',
      python,
      ['-m', 'venv', venvDir],
      'The Python venv module is missing or failed. On Debian: `apt-get install python3-venv`; then delete `.venv/` and run again.',
    );
  }
  run(
    'python packages',
    venvPython,
    ['-m', 'pip', 'install', '--disable-pip-version-check', '-q', '-r', 'requirements-dev.txt'],
    'pip could not install requirements-dev.txt: check that the Python package index is reachable, then run again (delete `.venv/` to start over).',
  );
  writeStamp(venvStamp, { reqHash });
}

function kernelSpecPath(name) {
  return path.join(venvDir, 'share', 'jupyter', 'kernels', name, 'kernel.json');
}

function kernelsRegistered() {
  return ['tslab', 'jslab'].every((name) => {
    try {
      const spec = JSON.parse(fs.readFileSync(kernelSpecPath(name), 'utf8'));
      return spec.argv[0] === tslabBin && !(spec.env && spec.env.NODE_OPTIONS);
    } catch {
      return false;
    }
  });
}

function registerKernels() {
  if (kernelsRegistered()) return;
  run(
    'jupyter kernel',
    tslabBin,
    ['install', `--python=${venvPython}`, `--binary=${tslabBin}`, '--sys-prefix'],
    'Registering the tslab kernel failed: delete `.venv/` and `node_modules/` and run again.',
  );
  const names = { tslab: 'TypeScript (dagbook)', jslab: 'JavaScript (dagbook)' };
  for (const [name, displayName] of Object.entries(names)) {
    const file = kernelSpecPath(name);
    const spec = JSON.parse(fs.readFileSync(file, 'utf8'));
    spec.display_name = displayName;
    delete spec.env;
    fs.writeFileSync(file, JSON.stringify(spec, null, 2) + '\n');
  }
  if (!kernelsRegistered()) {
    throw new SetupError('jupyter kernel', `the kernelspec at ${kernelSpecPath('tslab')} does not point at ${tslabBin}`, 'Delete `.venv/` and run again.');
  }
}

function buildLibrary() {
  // Only dagbook's own repository has a library to build; a copy of this
  // script elsewhere (a project that uses the package) has no build script.
  const buildScript = path.join(__dirname, 'build.js');
  if (!fs.existsSync(buildScript)) return;
  // Required only now: it is set-up's first step that installs esbuild and typescript.
  const build = require(buildScript);
  try {
    const ms = build.buildIfStale();
    if (ms !== null) log(`library: dist/ built in ${(ms / 1000).toFixed(1)} s`);
  } catch (error) {
    const detail = error instanceof build.BuildError ? error.message : String(error && error.stack);
    throw new SetupError('library build', detail, 'Fix the error above in src/ (`npm run build` shows it again), then run again.');
  }
}

function linkSelf() {
  try {
    if (fs.realpathSync(selfLink) === fs.realpathSync(root)) return;
  } catch {
    // missing or dangling: (re)create it below
  }
  fs.rmSync(selfLink, { recursive: true, force: true });
  fs.symlinkSync('..', selfLink, 'dir');
}

function installLabOverrides() {
  const wanted = fs.readFileSync(labOverrides, 'utf8');
  try {
    if (fs.readFileSync(venvOverrides, 'utf8') === wanted) return;
  } catch {
    // missing: written below
  }
  log(`jupyter settings: ${path.relative(root, labOverrides)} -> ${path.relative(root, venvOverrides)}`);
  fs.mkdirSync(path.dirname(venvOverrides), { recursive: true });
  fs.writeFileSync(venvOverrides, wanted);
}

function setupChromium() {
  if (fs.existsSync(chromium)) return;
  const hint = 'The browser tests need Chromium at /usr/bin/chromium: run `apt-get update && apt-get install -y chromium` as root, then `npm test` again.';
  const isRoot = typeof process.getuid === 'function' && process.getuid() === 0;
  const apt = spawnSync('apt-get', ['--version'], { stdio: 'ignore' });
  if (!isRoot || apt.status !== 0) throw new SetupError('chromium', `${chromium} is missing and cannot be installed from here`, hint);
  const env = { ...process.env, DEBIAN_FRONTEND: 'noninteractive' };
  run('chromium', 'apt-get', ['update', '-qq'], hint, { env });
  run('chromium', 'apt-get', ['install', '-y', '-qq', 'chromium'], hint, { env });
}

/**
 * Runs every step with the flags in `args` (`--quiet`, `--tests`); returns 0
 * when set up, 1 after saying which step failed and what to do.
 */
function main(args) {
  const started = Date.now();
  quiet = args.includes('--quiet');
  try {
    checkNode();
    setupNodePackages();
    buildLibrary();
    setupVenv();
    linkSelf();
    registerKernels();
    installLabOverrides();
    if (args.includes('--tests')) setupChromium();
    fs.mkdirSync(path.join(root, 'state'), { recursive: true });
    log(`ready in ${((Date.now() - started) / 1000).toFixed(1)} s`);
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

module.exports = { main, nativeProblems };

if (require.main === module) process.exitCode = main(process.argv.slice(2));
