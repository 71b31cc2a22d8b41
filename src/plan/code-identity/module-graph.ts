import * as path from 'node:path';
import { buildSync, type Message } from 'esbuild';
import { fileStamp, type FileStamp } from './file-state';
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

/** The module graph of `entry` (an absolute file path), rebuilt only when one of its files changed. */
export function moduleGraph(entry: string): StampedGraph {
  const known = graphs.get(entry);
  if (known !== undefined) {
    let same = true;
    for (const file in known.stamps) {
      if (fileStamp(file) !== known.stamps[file]) {
        same = false;
        break;
      }
    }
    if (same) return known;
  }
  const graph = buildGraph(entry);
  // A changed package.json (an upgrade) rebuilds the graph too: rare, and it keeps the check to one loop.
  const packageJsons = Object.values(graph.packages).flat().filter((f): f is string => f !== undefined);
  const stamped: StampedGraph = { graph, stamps: Object.fromEntries([...graph.files, ...packageJsons].map((f) => [f, fileStamp(f)])) };
  graphs.set(entry, stamped);
  return stamped;
}

function buildGraph(entry: string): ModuleGraph {
  const workingDir = path.dirname(entry);
  let inputs: Record<string, { imports: readonly { path: string; external?: boolean }[] }>;
  try {
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
    inputs = result.metafile.inputs;
  } catch (e) {
    const errors: readonly Message[] = (e as { errors?: Message[] }).errors ?? [];
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
