import * as fs from 'node:fs';
import * as path from 'node:path';

/**
 * Which dependency spec a project made by `dagbook init` gets for dagbook.
 * dagbook may have been installed from the registry, a tarball or a folder,
 * and a project that names it must install that same package, so a spec
 * already in use wins, in this order:
 *   1. the target folder's own package.json, when it names dagbook;
 *   2. the nearest package.json above the target folder that names dagbook
 *      (a project that holds the workbench in a sub-folder);
 *   3. the project whose `node_modules/` holds the running dagbook (for
 *      `npx --package=<tarball> dagbook init`, npm's cache folder of that
 *      `npx`, which names the tarball);
 *   4. when the running dagbook is a folder of its own (a clone, or a
 *      package linked from a folder), `file:` and that folder;
 *   5. else the registry: `^<version>`.
 * A `file:` spec (a tarball or a folder) is re-written relative to the target
 * folder, as npm writes it, so it names the same file from there.
 */

/** The spec chosen and where it came from. */
export interface DagbookDependency {
  /** The spec, as it goes into package.json's `dependencies` (`^0.1.0`, `file:../dagbook-0.1.0.tgz`). */
  readonly spec: string;
  /** Why this spec, for the message: `as /x/package.json names it`, `the folder dagbook runs from`, `dagbook's version on the registry`. */
  readonly reason: string;
}

/** What {@link chooseDagbookDependency} needs to know about the running dagbook. */
export interface RunningDagbook {
  /** The folder of the running dagbook package (holding its package.json). */
  readonly packageRoot: string;
  /** Its version. */
  readonly version: string;
}

const DEPENDENCY_FIELDS = ['dependencies', 'devDependencies', 'optionalDependencies', 'peerDependencies'] as const;

/** The dagbook spec a package.json names, or undefined (also when it cannot be read). */
export function dagbookSpecIn(packageJson: string): string | undefined {
  let manifest: Record<string, unknown>;
  try {
    manifest = JSON.parse(fs.readFileSync(packageJson, 'utf8')) as Record<string, unknown>;
  } catch {
    return undefined;
  }
  for (const field of DEPENDENCY_FIELDS) {
    const deps = manifest[field] as Record<string, unknown> | undefined;
    if (deps && typeof deps === 'object' && typeof deps.dagbook === 'string') return deps.dagbook;
  }
  return undefined;
}

/** `spec` as written in a package.json in `fromDir`, re-written to mean the same from `toDir`. */
export function rebaseSpec(spec: string, fromDir: string, toDir: string): string {
  const isPath = /^(\.{1,2}\/|\/|~\/)/.test(spec) || (/\.(tgz|tar\.gz|tar)$/.test(spec) && !/^[a-z+]+:/i.test(spec));
  if (!spec.startsWith('file:') && !isPath) return spec;
  const target = path.resolve(fromDir, spec.replace(/^file:/, ''));
  const relative = path.relative(toDir, target).split(path.sep).join('/');
  return `file:${relative === '' ? '.' : relative}`;
}

/** The folder above the `node_modules/` that holds `packageRoot` (scoped or not), or undefined. */
function installingProject(packageRoot: string): string | undefined {
  const parts = path.resolve(packageRoot).split(path.sep);
  const at = parts.lastIndexOf('node_modules');
  return at > 0 ? parts.slice(0, at).join(path.sep) || path.sep : undefined;
}

/** The spec for dagbook in a project in `targetDir` (absolute); see the module comment. */
export function chooseDagbookDependency(targetDir: string, running: RunningDagbook): DagbookDependency {
  const own = path.join(targetDir, 'package.json');
  const ownSpec = dagbookSpecIn(own);
  if (ownSpec !== undefined) return { spec: ownSpec, reason: `as ${own} names it` };
  for (let dir = path.dirname(targetDir); ; dir = path.dirname(dir)) {
    const file = path.join(dir, 'package.json');
    const spec = dagbookSpecIn(file);
    if (spec !== undefined) return { spec: rebaseSpec(spec, dir, targetDir), reason: `as ${file} names it` };
    if (path.dirname(dir) === dir) break;
  }
  const installer = installingProject(running.packageRoot);
  if (installer !== undefined) {
    const file = path.join(installer, 'package.json');
    const spec = dagbookSpecIn(file);
    if (spec !== undefined) return { spec: rebaseSpec(spec, installer, targetDir), reason: `as ${file} names it` };
    return { spec: `^${running.version}`, reason: "dagbook's version on the registry" };
  }
  return { spec: rebaseSpec(`file:${path.resolve(running.packageRoot)}`, targetDir, targetDir), reason: 'the folder dagbook runs from' };
}
