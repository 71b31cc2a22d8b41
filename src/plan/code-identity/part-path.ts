import * as path from 'node:path';

/** How code identity names a file: relative to `root` with `/` separators, or absolute when outside it. */
export function partPath(file: string, root: string): string {
  const relative = path.relative(root, file);
  if (relative.startsWith('..') || path.isAbsolute(relative)) return file.split(path.sep).join('/');
  return relative.split(path.sep).join('/');
}
