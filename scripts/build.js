#!/usr/bin/env node
/**
 * `npm run build`: compiles the library in `src/` into `dist/`, what the
 * package ships and what `main`, `types`, `bin` and `exports` point at.
 *   - JavaScript: esbuild transpiles each file on its own to CommonJS for
 *     Node 20, without bundling, so `dist/` has the layout of `src/` (paths
 *     the code builds from `__dirname`, like `../package.json` and the
 *     worker script beside its runner, stay right) and loads in plain Node;
 *   - plain `.js` files of `src/` (the worker thread's script) are copied;
 *   - declarations: `tsc -p tsconfig.build.json` (declarations only), read by
 *     users' editors and by tslab's TypeScript 5.0 when a cell imports dagbook.
 * It builds into a sibling folder and renames it over `dist/` at the end, so
 * an interrupted or failed build leaves the last good one in place. The new
 * `dist/` gets the build's start time as its mtime: {@link isStale} compares
 * it with what the build read, so a file saved during a build counts as newer.
 *
 * `scripts/setup.js` (run by `npm start` and `npm test`) calls
 * {@link buildIfStale}; `npm pack` runs the build through `prepack`.
 */
'use strict';
const { spawnSync } = require('node:child_process');
const fs = require('node:fs');
const path = require('node:path');

const root = path.resolve(__dirname, '..');
const srcDir = path.join(root, 'src');
const distDir = path.join(root, 'dist');
/** What a build reads besides `src/`: a change to one of them makes `dist/` stale too. */
const buildInputs = [__filename, path.join(root, 'tsconfig.build.json'), path.join(root, 'tsconfig.json')];

class BuildError extends Error {}

/** Every file under `dir`, as absolute paths. */
function filesUnder(dir) {
  return fs.readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const full = path.join(dir, entry.name);
    return entry.isDirectory() ? filesUnder(full) : [full];
  });
}

/** The newest mtime (ms) of the build's inputs: every file and folder of `src/` (a folder's mtime moves when a file is added or removed) and {@link buildInputs}. */
function newestInputMs() {
  let newest = 0;
  const visit = (dir) => {
    newest = Math.max(newest, fs.statSync(dir).mtimeMs);
    for (const entry of fs.readdirSync(dir, { withFileTypes: true })) {
      const full = path.join(dir, entry.name);
      if (entry.isDirectory()) visit(full);
      else newest = Math.max(newest, fs.statSync(full).mtimeMs);
    }
  };
  visit(srcDir);
  for (const file of buildInputs) newest = Math.max(newest, fs.statSync(file).mtimeMs);
  return newest;
}

/** True when `dist/` is missing or older than a file the build reads (a few hundred `stat` calls, a few ms). */
function isStale() {
  let built;
  try {
    built = fs.statSync(path.join(distDir, 'index.js')) && fs.statSync(distDir).mtimeMs;
  } catch {
    return true;
  }
  return newestInputMs() > built;
}

/** Compiles `src/` into `dist/`; returns the build's wall time in ms. @throws BuildError naming the step that failed */
function build() {
  const started = Date.now();
  const staging = `${distDir}.building-${process.pid}`;
  fs.rmSync(staging, { recursive: true, force: true });
  try {
    const sources = filesUnder(srcDir);
    const typescript = sources.filter((file) => /\.ts$/.test(file) && !/\.d\.ts$/.test(file));
    const esbuild = require('esbuild');
    const result = esbuild.buildSync({
      entryPoints: typescript,
      outdir: staging,
      outbase: srcDir,
      format: 'cjs',
      platform: 'node',
      target: 'node20',
      bundle: false,
      logLevel: 'silent',
    });
    if (result.errors.length > 0) throw new BuildError(`esbuild: ${result.errors.map((e) => e.text).join('; ')}`);
    for (const file of sources.filter((f) => /\.(js|cjs|json)$/.test(f))) {
      const target = path.join(staging, path.relative(srcDir, file));
      fs.mkdirSync(path.dirname(target), { recursive: true });
      fs.copyFileSync(file, target);
    }
    const tsc = path.join(root, 'node_modules', 'typescript', 'bin', 'tsc');
    const declarations = spawnSync(process.execPath, [tsc, '-p', path.join(root, 'tsconfig.build.json'), '--outDir', staging], {
      cwd: root,
      encoding: 'utf8',
    });
    if (declarations.error) throw new BuildError(`tsc could not start: ${declarations.error.message}`);
    if (declarations.status !== 0) throw new BuildError(`tsc (declarations) exited with code ${declarations.status}:\n${declarations.stdout}${declarations.stderr}`);
    fs.rmSync(distDir, { recursive: true, force: true });
    fs.renameSync(staging, distDir);
    const at = new Date(started);
    fs.utimesSync(distDir, at, at);
    return Date.now() - started;
  } finally {
    fs.rmSync(staging, { recursive: true, force: true });
  }
}

/** Builds when {@link isStale}; returns the build's wall time in ms, or null when `dist/` was up to date. */
function buildIfStale() {
  return isStale() ? build() : null;
}

module.exports = { build, buildIfStale, isStale, BuildError };

if (require.main === module) {
  try {
    const ms = build();
    process.stderr.write(`[dagbook build] dist/ built in ${(ms / 1000).toFixed(1)} s\n`);
  } catch (error) {
    process.stderr.write(`[dagbook build] failed: ${error instanceof BuildError ? error.message : (error && error.stack) || error}\n`);
    process.exitCode = 1;
  }
}
