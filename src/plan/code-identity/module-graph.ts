import * as path from 'node:path';
import { buildSync, type Message } from 'esbuild';
import { DagbookError } from '../../errors';
import { fileStamp, type FileStamp, type FileStats } from './file-state';
import { findPackageJson, packageName } from './package-version';

/**
 * The local module graph of a file: the file and every local module it
 * imports, transitively, plus the packages those modules import — read from
 * esbuild's metafile (a bundle with packages left external, nothing
 * written), so resolution follows the same rules as the TypeScript and
 * JavaScript loaders (extensions, `index` files, tsconfig paths).
 *
 * A graph is memoised per entry with the stamp of each of its files and of
 * the package.json files its packages resolve to; it is rebuilt only when one
 * of them changed, so asking again costs one `stat` per file. When esbuild cannot read the graph (a syntax error, an import that
 * does not resolve), the graph is the entry plus the files the errors name,
 * with the error's text; it is rebuilt once one of those files changes.
 * When esbuild itself fails (no build message: its service stopped, a
 * worker could not start on a loaded machine), the call is tried once more
 * and then refused: a graph of the entry alone would read as "code removed"
 * and re-run the stage, or worse, hide a changed helper.
 */

/** A module graph. */
export interface ModuleGraph {
  /** Absolute paths of the entry and every local module it imports, transitively, sorted. */
  readonly files: readonly string[];
  /** Packages the modules import, by name: the package.json each importer resolves it to (undefined when none is found). */
  readonly packages: Readonly<Record<string, readonly (string | undefined)[]>>;
  /** Why the graph holds only the entry and the files named by errors, when esbuild could not read it. */
  readonly error?: string;
}

/** A graph with the stamps its files have now. The same object is returned while no stamp changes. */
export interface StampedGraph {
  readonly graph: ModuleGraph;
  /** Stamp of every file of the graph and of every package.json its packages resolve to, by absolute path. */
  readonly stamps: Readonly<Record<string, FileStamp>>;
}

const graphs = new Map<string, StampedGraph>();
/** The graphs already checked against a run's view of the files: its stamps cannot change within the run. */
const checkedFor = new WeakMap<FileStats, Map<string, StampedGraph>>();

/**
 * The module graph of `entry` (an absolute file path), rebuilt only when one
 * of its files changed (as `stats`, a run's view of the files, sees them when given).
 */
export function moduleGraph(entry: string, stats?: FileStats): StampedGraph {
  const checked = stats === undefined ? undefined : checkedFor.get(stats)?.get(entry);
  if (checked !== undefined) return checked;
  const stamped = currentGraph(entry, stats);
  if (stats !== undefined) {
    const byEntry = checkedFor.get(stats) ?? new Map<string, StampedGraph>();
    checkedFor.set(stats, byEntry);
    byEntry.set(entry, stamped);
  }
  return stamped;
}

function currentGraph(entry: string, stats?: FileStats): StampedGraph {
  const known = graphs.get(entry);
  if (known !== undefined) {
    let same = true;
    for (const file in known.stamps) {
      if (fileStamp(file, stats) !== known.stamps[file]) {
        same = false;
        break;
      }
    }
    if (same) return known;
  }
  const graph = buildGraph(entry);
  // A changed package.json (an upgrade) rebuilds the graph too: rare, and it keeps the check to one loop.
  const packageJsons = Object.values(graph.packages).flat().filter((f): f is string => f !== undefined);
  const stamped: StampedGraph = { graph, stamps: Object.fromEntries([...graph.files, ...packageJsons].map((f) => [f, fileStamp(f, stats)])) };
  graphs.set(entry, stamped);
  return stamped;
}

type MetafileInputs = Record<string, { imports: readonly { path: string; external?: boolean }[] }>;

function readMetafile(entry: string, workingDir: string): MetafileInputs {
  const result = buildSync({
    entryPoints: [entry],
    absWorkingDir: workingDir,
    bundle: true,
    write: false,
    metafile: true,
    platform: 'node',
    packages: 'external',
    logLevel: 'silent',
  });
  return result.metafile.inputs;
}

function buildMessages(error: unknown): readonly Message[] {
  const errors = (error as { errors?: unknown } | null)?.errors;
  return Array.isArray(errors) ? (errors as Message[]) : [];
}

function buildGraph(entry: string): ModuleGraph {
  const workingDir = path.dirname(entry);
  let inputs: MetafileInputs;
  try {
    inputs = readMetafileOrRetry(entry, workingDir);
  } catch (e) {
    const errors = buildMessages(e);
    const named = errors.map((m) => m.location?.file).filter((f): f is string => f !== undefined && f !== '');
    const files = [...new Set([entry, ...named.map((f) => path.resolve(workingDir, f))])].sort();
    const text = errors.length > 0 ? errors.map((m) => (m.location ? `${m.location.file}:${m.location.line}: ${m.text}` : m.text)).join('; ') : String(e);
    return { files, packages: {}, error: text };
  }
  const files: string[] = [];
  const packages: Record<string, (string | undefined)[]> = {};
  for (const [key, input] of Object.entries(inputs)) {
    // Inputs outside the file namespace (`ns:path`) are not files on disk.
    if (/^[a-z-]+:/.test(key)) continue;
    const file = path.resolve(workingDir, key);
    files.push(file);
    for (const imported of input.imports) {
      if (imported.external !== true) continue;
      const name = packageName(imported.path);
      if (name === undefined) continue;
      const found = findPackageJson(name, file);
      const seen = (packages[name] ??= []);
      if (!seen.includes(found)) seen.push(found);
    }
  }
  return { files: files.sort(), packages };
}

/**
 * esbuild's metafile for `entry`; a failure of esbuild itself (no build
 * message) is tried once more, then refused.
 * @throws DagbookError `CODE_IDENTITY_UNREADABLE` naming the file and esbuild's error.
 */
function readMetafileOrRetry(entry: string, workingDir: string): MetafileInputs {
  try {
    return readMetafile(entry, workingDir);
  } catch (first) {
    if (buildMessages(first).length > 0) throw first;
    try {
      return readMetafile(entry, workingDir);
    } catch (second) {
      if (buildMessages(second).length > 0) throw second;
      throw new DagbookError('CODE_IDENTITY_UNREADABLE', `Cannot read the imports of ${entry}: esbuild failed (${String(second)}); the stage's code identity is unknown, so nothing was run or restored. Run again.`, {
        cause: second,
        data: { file: entry },
      });
    }
  }
}
