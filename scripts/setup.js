#!/usr/bin/env node
/**
 * One idempotent set-up step, run first by both `npm start` and `npm test`:
 * the workbench set-up that dagbook ships to every project
 * (`setup/project-setup.js`: node packages, the `.venv/` with JupyterLab, the
 * tslab kernels, JupyterLab's setting overrides, `state/`), applied to this
 * repository the way it needs it:
 *   - node packages with `npm ci` (the lockfile is the repository's);
 *   - the library built into `dist/` (`scripts/build.js`) when `dist/` is
 *     missing or older than `src/`;
 *   - `node_modules/dagbook` linked to the repository, so its notebooks
 *     import `dagbook` by name;
 *   - with `--tests` (as `npm test` runs it): Debian's Chromium for the browser
 *     tests and Debian's `redis-server` for the queue tests, installed with
 *     apt-get when missing and running as root.
 * `--quiet` prints only a failure.
 *
 * Plain Node with no dependencies: it must run before node_modules exists.
 * Run as a script it sets up and exits; `scripts/start.js` requires it and
 * calls `main` in its own process.
 */
'use strict';
const { spawnSync } = require('node:child_process');
const fs = require('node:fs');
const path = require('node:path');
const { setUpProject, nativeProblems, SetupError } = require('../setup/project-setup.js');

const root = path.resolve(__dirname, '..');
const chromium = '/usr/bin/chromium';
const redisServer = '/usr/bin/redis-server';

/** The library's build in dist/, made when missing or older than src/. */
function buildLibrary(setup) {
  // Required only now: it is the node-packages step that installs esbuild and typescript.
  const build = require('./build.js');
  try {
    const ms = build.buildIfStale();
    if (ms !== null) setup.log(`library: dist/ built in ${(ms / 1000).toFixed(1)} s`);
  } catch (error) {
    const detail = error instanceof build.BuildError ? error.message : String(error && error.stack);
    throw new SetupError('library build', detail, 'Fix the error above in src/ (`npm run build` shows it again), then run again.');
  }
}

/** The browser tests' Chromium: installed with apt-get when missing (as root). */
function setupChromium(setup) {
  if (fs.existsSync(chromium)) return;
  const hint = 'The browser tests need Chromium at /usr/bin/chromium: run `apt-get update && apt-get install -y chromium` as root, then `npm test` again.';
  const isRoot = typeof process.getuid === 'function' && process.getuid() === 0;
  const apt = spawnSync('apt-get', ['--version'], { stdio: 'ignore' });
  if (!isRoot || apt.status !== 0) throw new SetupError('chromium', `${chromium} is missing and cannot be installed from here`, hint);
  const env = { ...process.env, DEBIAN_FRONTEND: 'noninteractive' };
  setup.run('chromium', 'apt-get', ['update', '-qq'], hint, { env });
  setup.run('chromium', 'apt-get', ['install', '-y', '-qq', 'chromium'], hint, { env });
}

/** The queue tests' Redis: Debian's `redis-server`, installed with apt-get when missing (as root); the tests start their own. */
function setupRedis(setup) {
  if (fs.existsSync(redisServer)) return;
  const hint = 'The queue tests need Redis at /usr/bin/redis-server: run `apt-get update && apt-get install -y redis-server` as root, then `npm test` again.';
  const isRoot = typeof process.getuid === 'function' && process.getuid() === 0;
  const apt = spawnSync('apt-get', ['--version'], { stdio: 'ignore' });
  if (!isRoot || apt.status !== 0) throw new SetupError('redis', `${redisServer} is missing and cannot be installed from here`, hint);
  const env = { ...process.env, DEBIAN_FRONTEND: 'noninteractive' };
  setup.run('redis', 'apt-get', ['update', '-qq'], hint, { env });
  setup.run('redis', 'apt-get', ['install', '-y', '-qq', 'redis-server'], hint, { env });
}

/**
 * Runs every step with the flags in `args` (`--quiet`, `--tests`); returns 0
 * when set up, 1 after saying which step failed and what to do.
 */
function main(args) {
  return setUpProject({
    root,
    dagbookDir: root,
    nodeInstall: 'ci',
    linkSelf: true,
    extraSteps: args.includes('--tests') ? [buildLibrary, setupChromium, setupRedis] : [buildLibrary],
    ...(args.includes('--quiet') ? { log: () => {} } : {}),
  });
}

module.exports = { main, nativeProblems };

if (require.main === module) process.exitCode = main(process.argv.slice(2));
