import * as fs from 'node:fs';
import * as path from 'node:path';
import type { PlanIssue } from '../errors';
import type { CodeDependency, StageDefinition } from '../definition/types';
import { canonicalJson, sha256 } from '../canonical-json';
import { projectFolder } from '../project-folder';
import { formatFnReference } from '../fn-reference';
import { contentHash, type FileStats } from './code-identity/file-state';
import { freeIdentifiers, type Captures } from './code-identity/free-identifiers';
import { moduleIndex, type FunctionLocator, type ModuleIndex } from './code-identity/function-module';
import { bindingBase, bindingPackage, fileIdentifiers } from './code-identity/import-binding';
import { moduleGraph, type StampedGraph } from './code-identity/module-graph';
import { packageVersion, UNRESOLVED_PACKAGE } from './code-identity/package-version';
import { partPath } from './code-identity/part-path';
import { sameParts } from './cache-key';
import type { PlanCode, PlanStage } from './plan';

export { currentStageFunction } from './code-identity/current-code';

/**
 * A stage's code identity: what its cache key holds for the code it runs.
 *
 * - A stage whose function a module exports (a pipeline file's `fn`, or a
 *   function imported from a TS/JS module and passed as `run`) is tracked by
 *   that module and every local module it imports, transitively (a part
 *   `code:file:<path>` each), plus the version of every package those
 *   modules import (`code:pkg:<name>`), and `code:fn` = `<module>#<export>`.
 * - A stage written in a notebook cell is tracked by its source text
 *   (`code:fn`) plus its declared `codeDeps` (`code:dep:<name>`): a function
 *   exported by a module adds that module's graph, any other function its
 *   text; a path adds its module's graph. A captured import binding
 *   (`lib_1`, `dagbook_1`: see `code-identity/import-binding.ts`) adds the
 *   graph of the loaded local module it names, or the version of the package
 *   it names as resolved from the working directory (`code:pkg:<name>`). The
 *   names the function captures that are none of these, nor globals, are
 *   listed as `untracked`.
 *
 * File parts are named by their path relative to the project root (the
 * nearest folder above the working directory holding a package.json), so a
 * pipeline run from the CLI at the root and from a notebook in `notebooks/`
 * gets the same keys. A declared `version` replaces all of this.
 *
 * The compiled plan keeps what to track (`PlanCode`); {@link refreshStageCode}
 * recomputes the parts on every run and dry run, so an edited helper is seen
 * by a plan compiled before the edit. Files are read again only when their
 * mtime or size changed (see `code-identity/file-state.ts`).
 */

/** Hex sha256 of a function's source text. */
export function fingerprintFunction(fn: (...args: never[]) => unknown): string {
  return sha256(Function.prototype.toString.call(fn));
}

/** What compiling a pipeline's code identities needs, gathered once per compile. */
export interface CodeContext {
  /** Folder that file part names are relative to. */
  readonly root: string;
  /** Folder that relative `codeDeps` paths resolve from. */
  readonly baseDir: string;
  /** Finds the module exporting a function. */
  readonly locate: FunctionLocator;
  /** The loaded local modules, for captured import bindings. */
  readonly modules: ModuleIndex['modules'];
}

/** The context for compiling in `cwd`: the project root above it and an index of the modules loaded now. */
export function codeContext(cwd: string = process.cwd()): CodeContext {
  const index = moduleIndex();
  return { root: projectFolder(cwd), baseDir: cwd, locate: index.locate, modules: index.modules };
}

/**
 * The code identity of a stage (without a `version`), or the issues of its
 * `codeDeps` (a path that names no file, as `PLAN_INVALID_FIELD` at
 * `stages.<id>.codeDeps.<i>`).
 */
export function stageCode(stage: Pick<StageDefinition, 'id' | 'run' | 'codeDeps'>, context: CodeContext): PlanCode | PlanIssue[] {
  const fixed: Record<string, string> = {};
  const modules: string[] = [];
  const covered: ((name: string) => boolean)[] = [];
  const issues: PlanIssue[] = [];
  const own = context.locate(stage.run);
  if (own) {
    fixed['code:fn'] = formatFnReference({ module: partPath(own.file, context.root), exportName: own.exportName });
    modules.push(own.file);
  } else fixed['code:fn'] = fingerprintFunction(stage.run);

  (stage.codeDeps ?? []).forEach((dep: CodeDependency, i) => {
    if (typeof dep === 'string') {
      const file = resolveModulePath(path.resolve(context.baseDir, dep));
      if (file === undefined) {
        issues.push({
          code: 'PLAN_INVALID_FIELD',
          path: `stages.${stage.id}.codeDeps.${i}`,
          message: `Stage \`${stage.id}\`: code dependency \`${dep}\` names no file (resolved from \`${context.baseDir}\`)`,
          stageId: stage.id,
        });
        return;
      }
      const name = partPath(file, context.root);
      fixed[`code:dep:${name}`] = name;
      modules.push(file);
      covered.push(importAlias(file));
      return;
    }
    const name = dep.name === '' ? `codeDeps[${i}]` : dep.name;
    const located = context.locate(dep);
    covered.push((n) => n === name);
    if (located) {
      fixed[`code:dep:${name}`] = formatFnReference({ module: partPath(located.file, context.root), exportName: located.exportName });
      modules.push(located.file);
      covered.push(importAlias(located.file));
    } else fixed[`code:dep:${name}`] = fingerprintFunction(dep);
  });
  if (issues.length > 0) return issues;

  const finish = (untracked: string[], packages: Record<string, string>, extra: { unparsed?: string } = {}): PlanCode => {
    const base = { root: context.root, fixed, modules: [...new Set(modules)], ...(Object.keys(packages).length > 0 ? { packages } : {}) };
    return { ...base, parts: codeParts(base), untracked, ...extra };
  };
  if (own) return finish([], {});
  const captured = freeIdentifiers(Function.prototype.toString.call(stage.run));
  if ('error' in captured) return finish([], {}, { unparsed: `its source could not be parsed (${captured.error}): only its text is tracked` });
  const untracked: string[] = [];
  const packages: Record<string, string> = {};
  const cell = cellDeclarations();
  if (cell !== undefined && captured.names.includes('exports')) {
    for (const name of captured.members.exports ?? []) {
      const files = cellValueModules(cell[name], context);
      if (files.length > 0) modules.push(...files);
      else untracked.push(name);
    }
  }
  for (const name of captured.names) {
    if (isGlobal(name) || covered.some((c) => c(name))) continue;
    const binding = importBinding(name, captured, context);
    if (binding === undefined) untracked.push(name);
    else if ('files' in binding) modules.push(...binding.files);
    else packages[binding.name] = binding.packageJson;
  }
  return finish(untracked, packages);
}

/**
 * What a captured name holds when it is an import binding: the loaded local
 * modules it can name (those whose file exists and gives its identifier and
 * whose exports have every property the function reads off it; those inside
 * the project when some are), else the package it names; undefined when
 * neither.
 */
function importBinding(name: string, captured: Captures, context: CodeContext): { files: string[] } | { name: string; packageJson: string } | undefined {
  const base = bindingBase(name);
  if (base === undefined) return undefined;
  const reads = captured.members[name] ?? [];
  const named = context.modules
    .filter((m) => fileIdentifiers(m.file).includes(base) && reads.every((prop) => exportsHas(m.module.exports, prop)) && fs.existsSync(m.file))
    .map((m) => m.file);
  // Several modules give the name (a `stages.ts` per pipeline folder): those of this project, when there are.
  const inProject = named.filter((file) => !path.isAbsolute(partPath(file, context.root)));
  const files = inProject.length > 0 ? inProject : named;
  if (files.length > 0) return { files: [...new Set(files)].sort() };
  return bindingPackage(base, context.baseDir);
}

/**
 * The declarations of earlier notebook cells, when running in a tslab
 * kernel: tslab compiles a cell's use of a name an earlier cell declared (an
 * import, a const, a function) to `exports.<name>`, and keeps those values
 * on the `exports` object it passes to every cell as `__tslab__.exports`.
 */
function cellDeclarations(): Readonly<Record<string, unknown>> | undefined {
  const tslab = (globalThis as { __tslab__?: { exports?: unknown } }).__tslab__;
  return typeof tslab?.exports === 'object' && tslab.exports !== null ? (tslab.exports as Record<string, unknown>) : undefined;
}

/** The loaded local modules an earlier cell's value comes from: a function one exports, or one's exports object (`import * as stages`). */
function cellValueModules(value: unknown, context: CodeContext): string[] {
  if (typeof value === 'function') {
    const located = context.locate(value);
    if (located !== undefined) return [located.file];
  }
  if ((typeof value !== 'object' && typeof value !== 'function') || value === null) return [];
  return [...new Set(context.modules.filter((m) => m.module.exports === value).map((m) => m.file))];
}

function exportsHas(exports: unknown, prop: string): boolean {
  try {
    return (typeof exports === 'object' || typeof exports === 'function') && exports !== null && prop in exports;
  } catch {
    return false;
  }
}

/**
 * The parts of a code identity now: `fixed`, plus a content hash per file of
 * each module graph and a version per package those graphs import or the
 * function's import bindings name. `stats`: a run's view of the files (see `FileStats`).
 */
export function codeParts(code: Pick<PlanCode, 'root' | 'fixed' | 'modules' | 'packages'>, stats?: FileStats): Record<string, string> {
  const sole = soleGraphParts(code, stats);
  if (sole !== undefined) return { ...code.fixed, ...sole };
  const direct = Object.entries(code.packages ?? {});
  const parts: Record<string, string> = { ...code.fixed };
  const packages = new Map<string, Set<string>>();
  const addVersions = (name: string, value: string) => {
    const versions = packages.get(name) ?? new Set<string>();
    for (const version of value.split(', ')) versions.add(version);
    packages.set(name, versions);
  };
  for (const module of code.modules) {
    for (const [name, value] of Object.entries(graphParts(moduleGraph(module, stats), code.root))) {
      if (!name.startsWith('code:pkg:')) parts[name] = value;
      else addVersions(name, value);
    }
  }
  for (const [name, packageJson] of direct) addVersions(`code:pkg:${name}`, packageVersion(packageJson));
  for (const [name, versions] of packages) parts[name] = [...versions].sort().join(', ');
  return parts;
}

/** The parts of a code identity's one module graph, when it tracks one module and no packages of its own; else undefined. */
function soleGraphParts(code: Pick<PlanCode, 'root' | 'modules' | 'packages'>, stats?: FileStats): Readonly<Record<string, string>> | undefined {
  if (code.modules.length !== 1 || Object.keys(code.packages ?? {}).length > 0) return undefined;
  return graphParts(moduleGraph(code.modules[0], stats), code.root);
}

/** The parts of one graph, computed once per graph (a graph object is replaced when a file of it changes) and root. */
const graphPartsMemo = new WeakMap<StampedGraph, Map<string, Readonly<Record<string, string>>>>();

function graphParts(stamped: StampedGraph, root: string): Readonly<Record<string, string>> {
  const byRoot = graphPartsMemo.get(stamped) ?? new Map<string, Readonly<Record<string, string>>>();
  graphPartsMemo.set(stamped, byRoot);
  const known = byRoot.get(root);
  if (known !== undefined) return known;
  const { graph, stamps } = stamped;
  const parts: Record<string, string> = {};
  for (const file of graph.files) parts[`code:file:${partPath(file, root)}`] = contentHash(file, stamps[file]);
  for (const [name, packageJsons] of Object.entries(graph.packages)) {
    const versions = new Set(packageJsons.map((p) => (p === undefined ? UNRESOLVED_PACKAGE : packageVersion(p))));
    // Two importers may resolve a package to two installed copies: the part lists each version.
    parts[`code:pkg:${name}`] = [...versions].sort().join(', ');
  }
  byRoot.set(root, parts);
  return parts;
}

/**
 * The stage with its code parts recomputed from the files as they are now;
 * the same object when nothing changed (or the stage has a `version`, or no
 * module to track). `stats`: the run's view of the files, so that a run
 * reads each file's stamp once, not once per stage.
 */
export function refreshStageCode(stage: PlanStage, stats?: FileStats): PlanStage {
  const code = stage.code;
  if (stage.version !== undefined || code === undefined || (code.modules.length === 0 && code.packages === undefined)) return stage;
  // One module and its graph's parts object as when the stage last matched: a file of it changed, or the graph did, when that object did.
  const graph = soleGraphParts(code, stats);
  if (graph !== undefined && matchedGraph.get(code) === graph) return stage;
  const parts = graph !== undefined ? { ...code.fixed, ...graph } : codeParts(code, stats);
  if (sameParts(parts, code.parts)) {
    if (graph !== undefined) matchedGraph.set(code, graph);
    return stage;
  }
  return { ...stage, code: { ...code, parts }, codeHash: codeHashOf(parts) };
}

/** The graph parts (see `graphParts`, one object per graph and root) a one-module code identity last matched its own parts with. */
const matchedGraph = new WeakMap<PlanCode, Readonly<Record<string, string>>>();

/** The `codeHash` of a stage's code parts. */
export function codeHashOf(parts: Readonly<Record<string, string>>): string {
  return sha256(canonicalJson(parts));
}

const MODULE_EXTENSIONS = ['.ts', '.tsx', '.mts', '.cts', '.js', '.mjs', '.cjs', '.jsx', '.json'];

/** The module file a path names, filling in an extension or an `index` file the way the loaders do; undefined when there is none. */
function resolveModulePath(target: string): string | undefined {
  const candidates = [target, ...MODULE_EXTENSIONS.map((e) => target + e), ...MODULE_EXTENSIONS.map((e) => path.join(target, `index${e}`))];
  return candidates.find((c) => fs.statSync(c, { throwIfNoEntry: false })?.isFile() === true);
}

/**
 * Whether a captured name is how compiled code refers to an import of
 * `file`: TypeScript's CommonJS output binds `import ... from './clean-rows'`
 * to `clean_rows_1`, esbuild's (tsx) to `import_clean_rows`.
 */
function importAlias(file: string): (name: string) => boolean {
  const base = path.basename(file).replace(/\.[^.]*$/, '').replace(/[^A-Za-z0-9_$]/g, '_');
  const typescript = new RegExp(`^${base.replace(/\$/g, '\\$')}_\\d+$`);
  return (name) => name === `import_${base}` || typescript.test(name);
}

/** Names a module's code can use without capturing them: CommonJS module scope and compiler helpers (`__awaiter`, `__name`). */
const MODULE_SCOPE = new Set(['require', 'module', 'exports', '__filename', '__dirname', 'arguments']);

function isGlobal(name: string): boolean {
  return name in globalThis || MODULE_SCOPE.has(name) || /^__[A-Za-z]+$/.test(name);
}
