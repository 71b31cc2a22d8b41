import * as fs from 'node:fs';
import * as path from 'node:path';

/**
 * What a name captured by a function written in a cell or script refers to
 * when it is how compiled code holds an import. TypeScript's CommonJS output
 * (tslab's cells) binds `import { clean } from './lib'` to `lib_1` and
 * `import { x } from 'date-fns'` to `date_fns_1`: the last segment of the
 * specifier made an identifier, plus `_<n>`. esbuild's (tsx) binds them to
 * `import_lib` and `import_date_fns`. The specifier itself is gone from the
 * function's text, so the binding is matched back by that identifier: to a
 * loaded local module whose file gives it, or to a package installed where
 * Node would resolve it from the working directory.
 */

/** The identifier part of an import binding (`lib_1` -> `lib`, `import_date_fns` -> `date_fns`); undefined when the name is not one. */
export function bindingBase(name: string): string | undefined {
  const typescript = /^([A-Za-z_$][\w$]*?)_\d+$/.exec(name);
  if (typescript) return typescript[1];
  const esbuild = /^import_([\w$]+)$/.exec(name);
  return esbuild ? esbuild[1] : undefined;
}

/** The identifier a compiler makes of a module specifier's last segment (TypeScript's `makeIdentifierFromModuleName`). */
export function specifierIdentifier(segment: string): string {
  return segment.replace(/^(\d)/, '_$1').replace(/\W/g, '_');
}

/**
 * The identifiers an import of `file` can bind to: its name without the
 * extension (`./lib` for `lib.ts`), and its folder's name when it is an
 * `index` file (`./lib` for `lib/index.ts`).
 */
export function fileIdentifiers(file: string): string[] {
  const stem = path.basename(file).replace(/\.[^.]*$/, '');
  const names = [specifierIdentifier(stem)];
  if (stem === 'index') names.push(specifierIdentifier(path.basename(path.dirname(file))));
  return names;
}

/** A package an import binding names: its name and the package.json it resolves to. */
export interface BindingPackage {
  readonly name: string;
  readonly packageJson: string;
}

/**
 * The installed package whose name gives the identifier `base`, found the
 * way Node resolves a bare import from `fromDir`: in the nearest
 * `node_modules` holding a match. An exact name is taken first; otherwise
 * the one package (scoped or not) whose last name segment gives `base`;
 * undefined when none or several do.
 */
export function bindingPackage(base: string, fromDir: string): BindingPackage | undefined {
  for (let dir = path.resolve(fromDir); ; dir = path.dirname(dir)) {
    const folder = path.join(dir, 'node_modules');
    const matches = packagesIn(folder).filter(
      (name) => specifierIdentifier(name.split('/').pop() as string) === base && fs.existsSync(path.join(folder, name, 'package.json')),
    );
    const chosen = matches.includes(base) ? base : matches.length === 1 ? matches[0] : undefined;
    if (chosen !== undefined) return { name: chosen, packageJson: path.join(folder, chosen, 'package.json') };
    if (matches.length > 1 || path.dirname(dir) === dir) return undefined;
  }
}

/** The folder names in a `node_modules` folder that can be packages (scoped ones as `@scope/name`). */
function packagesIn(folder: string): string[] {
  const names: string[] = [];
  for (const entry of readDir(folder)) {
    if (entry.startsWith('.')) continue;
    if (entry.startsWith('@')) {
      for (const inner of readDir(path.join(folder, entry))) names.push(`${entry}/${inner}`);
    } else names.push(entry);
  }
  return names;
}

function readDir(folder: string): string[] {
  try {
    return fs.readdirSync(folder);
  } catch {
    return [];
  }
}
