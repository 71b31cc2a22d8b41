import { createHash } from 'node:crypto';
import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';

/**
 * The peers' own Python virtualenv (`.venv-peers/`, git-ignored): created with
 * `python -m venv` and filled by pip from the pinned `bench/peers/requirements.txt`
 * (versions of every dependency fixed by `constraints.txt`). A stamp file holds
 * the hash of both files: a venv whose stamp matches is reused as it is; one
 * whose pins changed is rebuilt.
 */

const STAMP = 'dagbook-peers.sha256';

/** The pins' hash, the requirements and constraints files together. */
function pinsHash(requirements: string, constraints: string): string {
  return createHash('sha256').update(fs.readFileSync(requirements)).update('\0').update(fs.readFileSync(constraints)).digest('hex');
}

/**
 * Makes sure `venvDir` holds the pinned peers; returns its python.
 * @param basePython the interpreter that creates the venv (`python3` unless told).
 */
export function ensurePeerVenv(root: string, venvDir: string, basePython: string, log: (line: string) => void): string {
  const requirements = path.join(root, 'bench', 'peers', 'requirements.txt');
  const constraints = path.join(root, 'bench', 'peers', 'constraints.txt');
  const venvPython = path.join(venvDir, 'bin', 'python');
  const stampPath = path.join(venvDir, STAMP);
  const wanted = pinsHash(requirements, constraints);
  if (fs.existsSync(venvPython) && fs.existsSync(stampPath) && fs.readFileSync(stampPath, 'utf8').trim() === wanted) {
    log(`Peers: reusing ${path.relative(root, venvDir)}/ (pins unchanged)`);
    return venvPython;
  }
  log(`Peers: creating ${path.relative(root, venvDir)}/ and installing the pinned peers (a few minutes)...`);
  fs.rmSync(venvDir, { recursive: true, force: true });
  execFileSync(basePython, ['-m', 'venv', venvDir], { stdio: 'inherit' });
  execFileSync(venvPython, ['-m', 'pip', 'install', '--quiet', '--disable-pip-version-check', '-r', requirements, '-c', constraints], { stdio: 'inherit' });
  fs.writeFileSync(stampPath, `${wanted}\n`);
  return venvPython;
}
