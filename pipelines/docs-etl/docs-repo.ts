import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { DagbookError } from '../../src/errors';

/**
 * The example's source repository, built from real documentation no one here
 * wrote: the markdown pages of mathjs (Apache-2.0), installed with danfojs
 * (a declared devDependency, which depends on mathjs 9.4.4). {@link createDocsRepo}
 * copies every page under the package's `docs/` into `docs/` of a new git
 * repository and commits it on `main`, tagged {@link IDF_TAG};
 * {@link commitDocsChanges} then edits 3 pages, adds 2 (the package's README
 * and CONTRIBUTING) and deletes 1, in one commit. Author, committer and dates
 * are fixed, so the same package gives the same commits on every machine.
 * The git CLI is used, as the source stage reads the repository with it.
 */

/** Tag on the first commit: the corpus the embedder's IDF is fitted on. */
export const IDF_TAG = 'idf-base';

/** The pages {@link commitDocsChanges} edits, adds and deletes (repository paths). */
export const DOCS_CHANGES = {
  edited: ['docs/datatypes/units.md', 'docs/expressions/parsing.md', 'docs/reference/functions/add.md'],
  added: ['docs/contributing.md', 'docs/readme.md'],
  deleted: ['docs/custom_bundling.md'],
} as const;

const IDENTITY = {
  GIT_AUTHOR_NAME: 'dagbook example',
  GIT_AUTHOR_EMAIL: 'example@dagbook.invalid',
  GIT_COMMITTER_NAME: 'dagbook example',
  GIT_COMMITTER_EMAIL: 'example@dagbook.invalid',
};

/** Runs git in `cwd` with the fixed identity and `date` as author and committer date. */
function git(cwd: string, args: readonly string[], date = '2026-01-05T09:00:00Z'): string {
  try {
    return execFileSync('git', ['-c', 'core.autocrlf=false', '-c', 'commit.gpgsign=false', ...args], {
      cwd,
      encoding: 'utf8',
      stdio: ['ignore', 'pipe', 'pipe'],
      env: { ...process.env, ...IDENTITY, GIT_AUTHOR_DATE: date, GIT_COMMITTER_DATE: date },
    });
  } catch (error) {
    throw new DagbookError('SETUP_FAILED', `git ${args.join(' ')} failed in ${cwd}: ${String((error as { stderr?: unknown }).stderr ?? error).trim()}`, { cause: error });
  }
}

/** Walks up from a file of a package to the folder whose package.json names it. */
function packageRoot(name: string, entry: string): string {
  for (let dir = path.dirname(entry); dir !== path.dirname(dir); dir = path.dirname(dir)) {
    const manifest = path.join(dir, 'package.json');
    if (fs.existsSync(manifest) && (JSON.parse(fs.readFileSync(manifest, 'utf8')) as { name?: string }).name === name) return dir;
  }
  throw new DagbookError('DEPENDENCY_MISSING', `No package.json naming \`${name}\` above ${entry}`);
}

/**
 * The installed mathjs package folder (the one danfojs resolves).
 * @throws DagbookError `DEPENDENCY_MISSING` when danfojs or its mathjs is not installed.
 */
export function mathjsPackage(): string {
  try {
    const danfojs = packageRoot('danfojs', require.resolve('danfojs'));
    return packageRoot('mathjs', require.resolve('mathjs', { paths: [danfojs] }));
  } catch (error) {
    throw new DagbookError('DEPENDENCY_MISSING', `The example's pages come from mathjs as installed with danfojs; it is not found: ${String((error as Error).message)}`, { cause: error });
  }
}

/** Every `.md` file under `dir`, as paths relative to it with `/`, sorted. */
function markdownFiles(dir: string): string[] {
  const out: string[] = [];
  const walk = (rel: string): void => {
    for (const entry of fs.readdirSync(path.join(dir, rel), { withFileTypes: true })) {
      const child = rel === '' ? entry.name : `${rel}/${entry.name}`;
      if (entry.isDirectory()) walk(child);
      else if (entry.isFile() && entry.name.endsWith('.md')) out.push(child);
    }
  };
  walk('');
  return out.sort();
}

/** What {@link createDocsRepo} made. */
export interface DocsRepo {
  /** The repository folder. */
  readonly dir: string;
  /** Pages committed, repository paths (`docs/...`), sorted. */
  readonly pages: readonly string[];
  /** The commit on `main`. */
  readonly commit: string;
}

/**
 * Creates a git repository in `dir` (created; it must not hold one yet) with
 * every markdown page of the installed mathjs docs under `docs/`, committed on
 * `main` and tagged {@link IDF_TAG}.
 * @param extra More files to commit with the pages (path -> text), e.g. a malformed page.
 * @throws DagbookError `SETUP_FAILED` when `dir` already holds a repository or git fails.
 */
export function createDocsRepo(dir: string, extra: Readonly<Record<string, string>> = {}): DocsRepo {
  if (fs.existsSync(path.join(dir, '.git'))) throw new DagbookError('SETUP_FAILED', `${dir} already holds a git repository`, { data: { dir } });
  const source = path.join(mathjsPackage(), 'docs');
  fs.mkdirSync(dir, { recursive: true });
  git(dir, ['init', '-q', '-b', 'main']);
  const pages = markdownFiles(source).map((rel) => {
    const target = path.join(dir, 'docs', rel);
    fs.mkdirSync(path.dirname(target), { recursive: true });
    fs.copyFileSync(path.join(source, rel), target);
    return `docs/${rel}`;
  });
  for (const [rel, text] of Object.entries(extra)) {
    fs.mkdirSync(path.dirname(path.join(dir, rel)), { recursive: true });
    fs.writeFileSync(path.join(dir, rel), text);
  }
  git(dir, ['add', '-A']);
  git(dir, ['commit', '-q', '-m', 'mathjs documentation pages']);
  git(dir, ['tag', IDF_TAG]);
  return { dir, pages: [...pages, ...Object.keys(extra)].sort(), commit: git(dir, ['rev-parse', 'HEAD']).trim() };
}

/** A paragraph appended to each edited page: one that names the page, so each edit differs. */
function editNote(page: string): string {
  return `\n\n## Notes for this repository\n\nThis copy of \`${path.basename(page)}\` is part of the dagbook document ETL example: it was edited to show an incremental run.\n`;
}

/**
 * Commits the example's change on `main` of a repository made by
 * {@link createDocsRepo}: edits the 3 pages of {@link DOCS_CHANGES} (a note
 * appended), adds 2 (mathjs's README and CONTRIBUTING as docs pages) and
 * deletes 1. Returns the new commit.
 * @throws DagbookError `SETUP_FAILED` when a page to edit or delete is missing or git fails.
 */
export function commitDocsChanges(dir: string): string {
  const pkg = mathjsPackage();
  for (const page of [...DOCS_CHANGES.edited, ...DOCS_CHANGES.deleted]) {
    if (!fs.existsSync(path.join(dir, page))) throw new DagbookError('SETUP_FAILED', `Page ${page} is not in ${dir}: was the change committed already?`, { data: { dir, page } });
  }
  for (const page of DOCS_CHANGES.edited) fs.appendFileSync(path.join(dir, page), editNote(page));
  fs.copyFileSync(path.join(pkg, 'CONTRIBUTING.md'), path.join(dir, 'docs/contributing.md'));
  fs.copyFileSync(path.join(pkg, 'README.md'), path.join(dir, 'docs/readme.md'));
  for (const page of DOCS_CHANGES.deleted) fs.rmSync(path.join(dir, page));
  git(dir, ['add', '-A']);
  git(dir, ['commit', '-q', '-m', 'Edit 3 pages, add 2, delete 1'], '2026-01-06T09:00:00Z');
  return git(dir, ['rev-parse', 'HEAD']).trim();
}
