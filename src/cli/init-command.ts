import * as fs from 'node:fs';
import * as path from 'node:path';
import { packageRoot } from '../notebook/run-notebook';
import { VERSION } from '../version';
import { chooseDagbookDependency } from './dagbook-dependency';
import { setUpProject } from './project-setup';
import { missingFromPackageJson, projectFiles } from './project-template';
import { scaffoldProject } from './scaffold-project';

/**
 * `dagbook init [dir]`: makes a workbench project in a new or existing
 * folder — package.json, tsconfig.json, requirements-dev.txt, a welcome
 * notebook, a starter pipeline, `state/` and a .gitignore — without replacing
 * any file that is there (it lists what it created and what it left), then
 * runs the workbench set-up there (node packages, `.venv/` with JupyterLab,
 * the tslab kernels), so that `npm start` opens JupyterLab. A package.json
 * that exists is never edited: init prints what it lacks, as JSON to merge,
 * and sets up once the project depends on dagbook and tslab. Running it again
 * creates nothing and sets up only what changed.
 */

/** Options of {@link initProject}. */
export interface InitOptions {
  /** The project folder, made when missing. */
  readonly dir: string;
  /** Run the set-up after writing the files (false: write files only, e.g. offline). @default true */
  readonly install: boolean;
}


/** Column width of the `created`/`exists` word in the file list. */
const VERB_WIDTH = 8;

function projectDepends(manifest: Record<string, unknown>, pkg: string): boolean {
  return ['dependencies', 'devDependencies'].some((field) => {
    const deps = manifest[field];
    return deps !== null && typeof deps === 'object' && pkg in (deps as object);
  });
}

/** The command to reach the project from the working directory when it is elsewhere (`cd my-project && `). */
function cdPrefix(dir: string): string {
  const relative = path.relative(process.cwd(), dir);
  if (relative === '') return '';
  return `cd ${/[^\w./-]/.test(relative) ? JSON.stringify(relative) : relative} && `;
}

/** Runs `dagbook init`; returns the exit code (1 when the set-up failed). */
export function initProject(options: InitOptions, out: (line: string) => void): number {
  const dir = path.resolve(options.dir);
  const manifestPath = path.join(dir, 'package.json');
  const hadManifest = fs.existsSync(manifestPath);
  const dependency = chooseDagbookDependency(dir, { packageRoot: packageRoot(), version: VERSION });
  const entries = scaffoldProject(dir, projectFiles(packageRoot(), dir, dependency.spec));

  out(`dagbook init: ${dir}`);
  for (const entry of entries) {
    const note =
      entry.outcome === 'exists' ? 'already there, left as it is' : entry.path === 'package.json' ? `dagbook ${JSON.stringify(dependency.spec)}: ${dependency.reason}` : '';
    out(`  ${entry.outcome.padEnd(VERB_WIDTH)} ${entry.path}${note === '' ? '' : `  (${note})`}`);
  }
  const created = entries.filter((e) => e.outcome === 'created').length;
  out(
    created === 0
      ? `Nothing to create: all ${entries.length} files are already there.`
      : `Created ${created} of ${entries.length} files; ${entries.length - created} already there.`,
  );

  let manifest: Record<string, unknown> = {};
  if (hadManifest) {
    manifest = JSON.parse(fs.readFileSync(manifestPath, 'utf8')) as Record<string, unknown>;
    const missing = missingFromPackageJson(manifest, dependency.spec);
    if (Object.keys(missing).length === 0) {
      out('package.json was already there and has what dagbook needs.');
    } else {
      out('package.json was already there and is left as it is. For `npm start` to open JupyterLab here, add this to it:');
      out(JSON.stringify(missing, null, 2));
    }
  }

  const next = cdPrefix(dir);
  if (!options.install) {
    out(`Files only (--no-install). To set up and open JupyterLab: ${next}npm install && npm start`);
    return 0;
  }
  const lacking = ['dagbook', 'tslab'].filter((pkg) => hadManifest && !projectDepends(manifest, pkg));
  if (lacking.length > 0) {
    out(`Set-up waits until package.json depends on ${lacking.join(' and ')}: add the above, then run \`npx dagbook init\` again.`);
    return 0;
  }
  const code = setUpProject({ root: dir });
  if (code !== 0) {
    out(`Set-up did not finish (see above); fix that, then run \`npx dagbook init\` again: it only does what is left.`);
    return code;
  }
  out(`Ready. Open the workbench (JupyterLab, the welcome notebook first): ${next}npm start`);
  return 0;
}
