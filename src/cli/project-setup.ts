/**
 * The workbench set-up (`setup/project-setup.js` of the package: node
 * packages, the project's `.venv/` with JupyterLab, the tslab kernels,
 * JupyterLab's settings, `state/`) as the CLI calls it. That module is plain
 * JavaScript so that dagbook's own repository can run it before anything is
 * installed; this is its typed face.
 */

/** Options of {@link setUpProject}. */
export interface ProjectSetupOptions {
  /** The project folder (absolute). */
  readonly root: string;
  /** The dagbook package the project uses (tsx is resolved from it). @default `<root>/node_modules/dagbook` */
  readonly dagbookDir?: string;
}

interface SetupModule {
  setUpProject(options: ProjectSetupOptions & { readonly nodeInstall: 'install' }): number;
}

/**
 * Sets the project up, idempotently: a second call with nothing changed only
 * checks. Progress and a failure (which step, what to do) go to stderr.
 * Returns 0 when set up, 1 when a step failed.
 */
export function setUpProject(options: ProjectSetupOptions): number {
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const setup = require('../../setup/project-setup.js') as SetupModule;
  return setup.setUpProject({ ...options, nodeInstall: 'install' });
}
