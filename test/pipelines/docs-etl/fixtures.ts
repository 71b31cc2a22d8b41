import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';

/** Three small pages and one file that is not markdown, as committed by {@link tempRepo}. */
export const PAGES: Readonly<Record<string, string>> = {
  'docs/matrices.md': '# Matrices\n\nCreate a matrix with `math.matrix`. Matrices can be dense or sparse.\n\n## Resize\n\nA matrix grows with `resize` and shrinks with `subset`.\n',
  'docs/units.md': '# Units\n\nUnits like meters, inches and seconds convert with `to`.\n\n## Temperature\n\nCelsius and fahrenheit are offset units.\n',
  'docs/reference/random.md': '# Random numbers\n\nDraw uniform random numbers with `random` and integers with `randomInt`.\n',
  'docs/logo.svg': '<svg/>',
  'README.md': '# Outside the folder\n',
};

/** Runs git in `cwd` with a fixed identity and dates, so hashes do not depend on the machine. */
export function gitIn(cwd: string, args: readonly string[]): string {
  return execFileSync('git', [...args], {
    cwd,
    encoding: 'utf8',
    env: { ...process.env, GIT_AUTHOR_NAME: 't', GIT_AUTHOR_EMAIL: 't@t', GIT_COMMITTER_NAME: 't', GIT_COMMITTER_EMAIL: 't@t', GIT_AUTHOR_DATE: '2026-01-01T00:00:00Z', GIT_COMMITTER_DATE: '2026-01-01T00:00:00Z' },
  });
}

/** A real git repository in a temp folder with `files` committed on branch `main`. */
export function tempRepo(files: Readonly<Record<string, string>> = PAGES): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'dagbook-docs-'));
  gitIn(dir, ['init', '-q', '-b', 'main']);
  for (const [file, text] of Object.entries(files)) {
    fs.mkdirSync(path.dirname(path.join(dir, file)), { recursive: true });
    fs.writeFileSync(path.join(dir, file), text);
  }
  gitIn(dir, ['add', '-A']);
  gitIn(dir, ['commit', '-q', '-m', 'pages']);
  return dir;
}
