import * as fs from 'node:fs';
import * as path from 'node:path';

/**
 * The files of a workbench project made by `dagbook init`. Most are copied
 * from `templates/project/` of the dagbook package (real files, so they read
 * and type-check as what they are); `package.json` is written for the
 * project (its name, the dagbook spec), and `requirements-dev.txt` is
 * dagbook's own, so the project's JupyterLab is the one dagbook is tested with.
 * npm leaves `.gitignore` files out of a package, so the template's is
 * `gitignore` and is written as `.gitignore`.
 */

/** One file of the project: its path relative to the project folder (with `/`), and its text. */
export interface ProjectFile {
  readonly path: string;
  readonly content: string;
}

/** The tslab release the project's notebooks run in (the one dagbook is tested with). */
export const TSLAB_VERSION = '1.0.22';

/** The start script: set-up on first use, then JupyterLab; `exec` so that a signal sent to `npm start` reaches it. */
export const START_SCRIPT = 'exec dagbook lab --setup';

/** What a project's package.json needs for dagbook, beyond the dagbook dependency itself. */
export const PROJECT_NEEDS = {
  /** danfojs (optional, for DataFrames) depends on an xlsx release served from outside the registries; this one is on npm. */
  overrides: { xlsx: '0.18.5' },
  /** The install scripts npm may run: esbuild's (tsx compiles TypeScript with it) and zeromq's (the kernel's transport); core-js's only prints a banner. */
  allowScripts: { 'core-js': false, esbuild: true, zeromq: true },
} as const;

/** Template files, relative to `templates/project/`, and where each goes in the project. */
const TEMPLATE_FILES: readonly (readonly [string, string])[] = [
  ['gitignore', '.gitignore'],
  ['tsconfig.json', 'tsconfig.json'],
  ['notebooks/00-welcome.ipynb', 'notebooks/00-welcome.ipynb'],
  ['pipelines/starter.yaml', 'pipelines/starter.yaml'],
  ['pipelines/starter/stages.ts', 'pipelines/starter/stages.ts'],
  ['pipelines/data/readings.csv', 'pipelines/data/readings.csv'],
  ['state/README.md', 'state/README.md'],
];

/** A valid npm package name made from a folder's name (`My Workbench` -> `my-workbench`). */
export function packageName(folder: string): string {
  const name = path
    .basename(folder)
    .toLowerCase()
    .replace(/[^a-z0-9._~-]+/g, '-')
    .replace(/^[._-]+|-+$/g, '');
  return name === '' ? 'dagbook-workbench' : name.slice(0, 214);
}

/** The package.json of a new project named `name` that depends on dagbook as `dagbookSpec`. */
export function projectPackageJson(name: string, dagbookSpec: string): Record<string, unknown> {
  return {
    name,
    version: '0.1.0',
    private: true,
    description: 'A dagbook workbench: pipelines run from notebooks.',
    scripts: { start: START_SCRIPT },
    engines: { node: '>=20.19' },
    dependencies: { dagbook: dagbookSpec, tslab: TSLAB_VERSION },
    devDependencies: { '@types/node': '^20.19.0' },
    overrides: { ...PROJECT_NEEDS.overrides },
    allowScripts: { ...PROJECT_NEEDS.allowScripts },
  };
}

/**
 * Every file of a project in a folder named `folder`, in the order they are
 * listed: package.json first. `packageRoot` is the dagbook package the templates come from.
 */
export function projectFiles(packageRoot: string, folder: string, dagbookSpec: string): ProjectFile[] {
  const templates = path.join(packageRoot, 'templates', 'project');
  return [
    { path: 'package.json', content: `${JSON.stringify(projectPackageJson(packageName(folder), dagbookSpec), null, 2)}\n` },
    { path: 'requirements-dev.txt', content: fs.readFileSync(path.join(packageRoot, 'requirements-dev.txt'), 'utf8') },
    ...TEMPLATE_FILES.map(([from, to]) => ({ path: to, content: fs.readFileSync(path.join(templates, ...from.split('/')), 'utf8') })),
  ];
}

/**
 * What an existing package.json lacks for dagbook, as the JSON to merge into
 * it (empty when nothing is missing): the dagbook and tslab dependencies, the
 * start script, the xlsx override and the install scripts npm may run.
 */
export function missingFromPackageJson(manifest: Record<string, unknown>, dagbookSpec: string): Record<string, Record<string, unknown>> {
  const field = (name: string): Record<string, unknown> => {
    const value = manifest[name];
    return value !== null && typeof value === 'object' ? (value as Record<string, unknown>) : {};
  };
  const depends = (pkg: string) => pkg in field('dependencies') || pkg in field('devDependencies');
  const missing: Record<string, Record<string, unknown>> = {};
  const add = (section: string, key: string, value: unknown) => {
    missing[section] = { ...missing[section], [key]: value };
  };
  if (field('scripts').start !== START_SCRIPT) add('scripts', 'start', START_SCRIPT);
  if (!depends('dagbook')) add('dependencies', 'dagbook', dagbookSpec);
  if (!depends('tslab')) add('dependencies', 'tslab', TSLAB_VERSION);
  for (const [pkg, version] of Object.entries(PROJECT_NEEDS.overrides)) {
    if (field('overrides')[pkg] !== version) add('overrides', pkg, version);
  }
  // npm writes approvals by name or pinned to a version (`esbuild@0.28.2`).
  const approvals = Object.keys(field('allowScripts'));
  for (const [pkg, allowed] of Object.entries(PROJECT_NEEDS.allowScripts)) {
    if (!approvals.some((key) => key === pkg || key.startsWith(`${pkg}@`))) add('allowScripts', pkg, allowed);
  }
  return missing;
}
