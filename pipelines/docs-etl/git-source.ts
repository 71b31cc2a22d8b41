import { execFile } from 'node:child_process';
import { DagbookError } from '../../src/errors';

/**
 * Documents of a git repository at a branch and folder, read with the git
 * CLI: `git ls-tree -r` lists every blob under the folder with its object
 * hash, and `git cat-file blob` reads one. The blob hash is the content hash
 * of the document (git already hashes content, so nothing is re-read to find
 * what changed); the path inside the repository is its stable id. No git
 * library is used: the CLI is the reference implementation, is installed
 * wherever a repository is, and two commands are all this needs.
 */

/** One document found in the repository. */
export interface SourceDocument {
  /** Path inside the repository (`docs/guide.md`): the stable item id. */
  readonly id: string;
  /** Git blob hash (40 hex digits for SHA-1 repositories): the content hash. */
  readonly hash: string;
}

/** Where the documents are. */
export interface GitSourceOptions {
  /** Folder holding the repository (its work tree or bare git folder). */
  readonly repoDir: string;
  /** Branch, tag or commit to read. */
  readonly ref: string;
  /** Folder inside the repository, without a trailing slash; `''` for all. */
  readonly folder: string;
  /** File name endings kept. @default ['.md'] */
  readonly extensions?: readonly string[];
}

/** Runs git with `args` in `cwd` and returns stdout; a failure is a `STAGE_FAILED` error naming the command. */
function git(cwd: string, args: readonly string[], encoding: 'utf8' | 'buffer' = 'utf8'): Promise<string> {
  return new Promise((resolve, reject) => {
    execFile('git', [...args], { cwd, encoding: 'utf8', maxBuffer: 256 * 1024 * 1024 }, (error, stdout, stderr) => {
      if (error !== null) {
        reject(new DagbookError('STAGE_FAILED', `git ${args.join(' ')} failed in ${cwd}: ${stderr.trim() || error.message}`, { cause: error, data: { cwd, args: [...args] } }));
        return;
      }
      resolve(stdout);
    });
  });
}

/**
 * Lists the documents under `folder` at `ref`, sorted by path.
 * @throws DagbookError `STAGE_FAILED` when git fails (unknown ref, not a repository).
 */
export async function listDocuments(options: GitSourceOptions): Promise<SourceDocument[]> {
  const extensions = options.extensions ?? ['.md'];
  const pathspec = options.folder === '' ? [] : ['--', options.folder];
  // -z: paths are NUL-terminated and never quoted, whatever characters they hold.
  const out = await git(options.repoDir, ['ls-tree', '-r', '-z', '--full-tree', options.ref, ...pathspec]);
  const documents: SourceDocument[] = [];
  for (const entry of out.split('\0')) {
    if (entry === '') continue;
    const tab = entry.indexOf('\t');
    const [, type, hash] = entry.slice(0, tab).split(' ');
    const id = entry.slice(tab + 1);
    if (type === 'blob' && extensions.some((ext) => id.endsWith(ext))) documents.push({ id, hash: hash! });
  }
  return documents.sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
}

/**
 * Reads a blob as UTF-8 text.
 * @throws DagbookError `STAGE_FAILED` when the blob does not exist.
 */
export function readBlob(repoDir: string, hash: string): Promise<string> {
  return git(repoDir, ['cat-file', 'blob', hash]);
}

/**
 * Reads many blobs as UTF-8 text with one `git cat-file --batch` (one process,
 * not one per blob), in the order given.
 * @throws DagbookError `STAGE_FAILED` when git fails or a blob does not exist.
 */
export function readBlobs(repoDir: string, hashes: readonly string[]): Promise<string[]> {
  return new Promise((resolve, reject) => {
    const child = execFile('git', ['cat-file', '--batch'], { cwd: repoDir, encoding: 'buffer', maxBuffer: 1024 * 1024 * 1024 }, (error, stdout, stderr) => {
      if (error !== null) {
        reject(new DagbookError('STAGE_FAILED', `git cat-file --batch failed in ${repoDir}: ${stderr.toString('utf8').trim() || error.message}`, { cause: error, data: { cwd: repoDir } }));
        return;
      }
      const texts: string[] = [];
      let at = 0;
      for (const hash of hashes) {
        const eol = stdout.indexOf(0x0a, at);
        const header = stdout.toString('utf8', at, eol);
        const [, type, size] = header.split(' ');
        if (type !== 'blob') {
          reject(new DagbookError('STAGE_FAILED', `git cat-file --batch in ${repoDir}: ${hash} is not a blob (${header})`, { data: { cwd: repoDir, hash } }));
          return;
        }
        texts.push(stdout.toString('utf8', eol + 1, eol + 1 + Number(size)));
        at = eol + 1 + Number(size) + 1;
      }
      resolve(texts);
    });
    child.stdin?.end(hashes.map((h) => `${h}\n`).join(''));
  });
}

/**
 * The commit `ref` names (40 or 64 hex digits).
 * @throws DagbookError `STAGE_FAILED` when `ref` names no commit.
 */
export async function resolveCommit(repoDir: string, ref: string): Promise<string> {
  return (await git(repoDir, ['rev-parse', '--verify', '--end-of-options', `${ref}^{commit}`])).trim();
}
