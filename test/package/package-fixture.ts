import assert from 'node:assert/strict';
import { spawnSync, type SpawnSyncReturns } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';

/**
 * The package as a user gets it, shared by the tests of test/package: this
 * repository packed once with `npm pack` (which builds dist/ through
 * `prepack`) into a temp folder, and a fresh `npm init -y` project in
 * another folder there that installs the tarball from the package registries
 * (through npm's cache). Nothing links that project to this repository and no
 * override is added to it. Children run with this Node and its npm, in the
 * user's environment (not the one `npm test` passes to its scripts).
 */

/** This repository. */
export const repositoryRoot = path.resolve(__dirname, '..', '..');

const npmBin = path.join(path.dirname(process.execPath), '..', 'lib', 'node_modules', 'npm', 'bin');

/** The environment of a child npm or node: this one without what npm passes to scripts (`npm test` runs these files), so a child npm reads no setting of this repository. */
function userEnv(): NodeJS.ProcessEnv {
  return Object.fromEntries(Object.entries(process.env).filter(([key]) => !/^npm_/i.test(key)));
}

function run(command: string, args: readonly string[], cwd: string): SpawnSyncReturns<string> {
  return spawnSync(command, args, { cwd, encoding: 'utf8', env: userEnv(), timeout: 600_000 });
}

/** Runs `npm <args>` (or `npx`) with this Node; fails the test with its output when it exits non-zero. */
export function npm(tool: 'npm' | 'npx', args: readonly string[], cwd: string): string {
  const r = run(process.execPath, [path.join(npmBin, `${tool}-cli.js`), ...args], cwd);
  assert.equal(r.status, 0, `${tool} ${args.join(' ')} exited with ${r.status}:\n${r.stdout}\n${r.stderr}`);
  return r.stdout;
}

/** Runs a Node script in the project; fails the test with its output when it exits non-zero. */
export function node(script: string, cwd: string): string {
  const r = run(process.execPath, ['-e', script], cwd);
  assert.equal(r.status, 0, `node -e exited with ${r.status}:\n${r.stdout}\n${r.stderr}`);
  return r.stdout;
}

/** Runs a program of the project (e.g. tslab's `tsc`) with this Node; returns its exit code and output. */
export function nodeProgram(script: string, args: readonly string[], cwd: string): SpawnSyncReturns<string> {
  return run(process.execPath, [script, ...args], cwd);
}

/** The line that `marker` starts in `output`, parsed as JSON after the marker. */
export function markedJson(output: string, marker: string): unknown {
  const line = output.split('\n').find((l) => l.startsWith(marker));
  assert.ok(line !== undefined, `no line starting with ${marker} in:\n${output}`);
  return JSON.parse(line.slice(marker.length));
}

/** Calls `fn`, prints `label: <seconds> s` indented under the test titles, and returns what `fn` returned. */
export function timed<T>(label: string, fn: () => T): T {
  const started = performance.now();
  const result = fn();
  process.stdout.write(`      ${label}: ${((performance.now() - started) / 1000).toFixed(1)} s\n`);
  return result;
}

/** What `npm pack --json` says of the tarball. */
export interface PackResult {
  readonly filename: string;
  readonly size: number;
  readonly entryCount: number;
  readonly files: readonly { readonly path: string }[];
}

/** The packed package and the fresh project it was installed into. */
export interface PackedProject {
  /** The temp folder holding the tarball and the project (removed by {@link removePackedProject}). */
  readonly work: string;
  /** The tarball's path. */
  readonly tarball: string;
  /** What npm said of the tarball. */
  readonly packed: PackResult;
  /** The fresh `npm init -y` project, with the tarball installed. */
  readonly project: string;
}

/** Packs this repository and installs the tarball into a fresh `npm init -y` project; prints the tarball's size and the time of each step. */
export function packAndInstall(): PackedProject {
  const work = fs.mkdtempSync(path.join(os.tmpdir(), 'dagbook-package-'));
  const [packed] = timed('npm pack (builds dist/)', () => JSON.parse(npm('npm', ['pack', '--json', '--pack-destination', work], repositoryRoot)) as PackResult[]);
  process.stdout.write(`      ${packed.filename}: ${packed.size} bytes (${(packed.size / 1024).toFixed(0)} KB), ${packed.entryCount} files\n`);
  const tarball = path.join(work, packed.filename);
  const project = path.join(work, 'project');
  fs.mkdirSync(project);
  npm('npm', ['init', '-y'], project);
  timed('npm install <tarball> into a fresh npm init project', () => npm('npm', ['install', tarball, '--no-audit', '--no-fund'], project));
  return { work, tarball, packed, project };
}

/** Removes the tarball and the project. */
export function removePackedProject(packedProject: PackedProject | undefined): void {
  if (packedProject !== undefined) fs.rmSync(packedProject.work, { recursive: true, force: true });
}
