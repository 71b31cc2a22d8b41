/** The files `dagbook init` writes into a new project, in the order it lists them (a literal fixture shared by the init tests). */
export const PROJECT_FILES: readonly string[] = [
  'package.json',
  'requirements-dev.txt',
  '.gitignore',
  'tsconfig.json',
  'notebooks/00-welcome.ipynb',
  'pipelines/starter.yaml',
  'pipelines/starter/stages.ts',
  'pipelines/data/readings.csv',
  'state/README.md',
];
