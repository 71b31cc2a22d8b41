import * as fs from 'node:fs';
import * as path from 'node:path';
import { DagbookError } from '../errors';
import type { ProjectFile } from './project-template';

/**
 * Writes a project's files into a folder without ever replacing one: a file
 * is created only where nothing exists at its path (an exclusive create, so
 * not even a file made a moment earlier is overwritten), and every other is
 * reported as already there and left as it is. Running it again therefore
 * creates nothing.
 */

/** What {@link scaffoldProject} did with one file. */
export interface ScaffoldEntry {
  /** The file, relative to the project folder (with `/`). */
  readonly path: string;
  /** `created`, or `exists`: something was already there and was left as it is. */
  readonly outcome: 'created' | 'exists';
}

/**
 * Creates `dir` when missing, then each of `files` that does not exist there;
 * returns what it did with each, in the order given.
 * @throws INVALID_OPTION when `dir` exists and is not a folder
 */
export function scaffoldProject(dir: string, files: readonly ProjectFile[]): ScaffoldEntry[] {
  const root = path.resolve(dir);
  if (fs.existsSync(root) && !fs.statSync(root).isDirectory()) {
    throw new DagbookError('INVALID_OPTION', `Cannot make a project in \`${root}\`: it is a file, not a folder`);
  }
  fs.mkdirSync(root, { recursive: true });
  return files.map((file): ScaffoldEntry => {
    const target = path.join(root, ...file.path.split('/'));
    if (fs.existsSync(target)) return { path: file.path, outcome: 'exists' };
    fs.mkdirSync(path.dirname(target), { recursive: true });
    try {
      fs.writeFileSync(target, file.content, { flag: 'wx' });
      return { path: file.path, outcome: 'created' };
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
      return { path: file.path, outcome: 'exists' };
    }
  });
}
