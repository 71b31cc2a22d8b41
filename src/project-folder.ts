import * as fs from 'node:fs';
import * as path from 'node:path';

/**
 * The project folder around `from`: the nearest folder at or above it that
 * holds a package.json, else `from` itself (resolved). Where the workbench
 * keeps `state/`, where `dagbook lab` serves from and whose `.venv/` runs notebooks.
 */
export function projectFolder(from: string): string {
  for (let dir = path.resolve(from); ; dir = path.dirname(dir)) {
    if (fs.existsSync(path.join(dir, 'package.json'))) return dir;
    if (path.dirname(dir) === dir) return path.resolve(from);
  }
}
