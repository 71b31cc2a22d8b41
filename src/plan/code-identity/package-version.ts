import * as fs from 'node:fs';
import { isBuiltin } from 'node:module';
import * as path from 'node:path';
import { fileStamp, MISSING_STAMP } from './file-state';

/**
 * The installed version of a package a module imports, found as Node finds
 * it: the nearest `node_modules/<name>/package.json` walking up from the
 * importing file's folder. Hand-written rather than `require.resolve`,
 * because a package whose `exports` hides `package.json` cannot be resolved
 * to it, and a package's entry point need not sit beside its package.json.
 */

/** Version of a package that cannot be found from the importing file. */
export const UNRESOLVED_PACKAGE = 'unresolved';

/** The package name of a bare import specifier (`lodash/fp` -> `lodash`, `@scope/a/b` -> `@scope/a`); undefined for built-ins and paths. */
export function packageName(specifier: string): string | undefined {
  if (specifier.startsWith('.') || path.isAbsolute(specifier) || isBuiltin(specifier)) return undefined;
  const segments = specifier.split('/');
  const name = specifier.startsWith('@') ? segments.slice(0, 2).join('/') : segments[0];
  return name === '' || (name.startsWith('@') && !name.includes('/')) ? undefined : name;
}

/** The `package.json` Node would load `name` from when `importer` imports it; undefined when none is found. */
export function findPackageJson(name: string, importer: string): string | undefined {
  for (let dir = path.dirname(importer); ; dir = path.dirname(dir)) {
    const candidate = path.join(dir, 'node_modules', name, 'package.json');
    if (fileStamp(candidate) !== MISSING_STAMP) return candidate;
    if (path.dirname(dir) === dir) return undefined;
  }
}

const versions = new Map<string, { readonly stamp: string; readonly version: string }>();

/** The `version` field of a package.json (read again only when the file changed); {@link UNRESOLVED_PACKAGE} when it cannot be read. */
export function packageVersion(packageJson: string): string {
  const stamp = fileStamp(packageJson);
  const known = versions.get(packageJson);
  if (known !== undefined && known.stamp === stamp) return known.version;
  let version = UNRESOLVED_PACKAGE;
  try {
    const data = JSON.parse(fs.readFileSync(packageJson, 'utf8')) as { version?: unknown };
    if (typeof data.version === 'string') version = data.version;
  } catch {
    // An unreadable package.json tracks as unresolved; the import fails at run time with Node's own error.
  }
  versions.set(packageJson, { stamp, version });
  return version;
}
