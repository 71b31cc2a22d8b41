import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import type { StageDefinition, StageFn } from '../src/definition/types';
import { dryRun } from '../src/query/dry-run';
import { compilePipeline } from '../src/plan/compile';
import { refreshStageCode } from '../src/plan/fingerprint';
import type { CompiledPipeline } from '../src/plan/plan';
import { MemoryStore } from '../src/store/memory-store';
import { median as medianOf, timeSyncMs } from './harness';

/**
 * `npx tsx bench/fingerprint.ts`: the cost of code identity for 1,000
 * stages — written inline (text, captured names), and sharing one module
 * (module graph of 3 files and a package): the compile, the refresh every
 * run and dry run makes (all stages, files unchanged), a dry run, and the
 * refresh after the shared module was edited. Medians of 5 runs, ms; the
 * last line is one JSON object.
 */
const STAGES = 1000;
const REPEATS = 5;

/** Median of the samples, to 0.1 ms. */
function median(values: number[]): number {
  return Math.round(medianOf(values) * 10) / 10;
}

async function timeAsync(fn: () => Promise<unknown>): Promise<number> {
  const started = performance.now();
  await fn();
  return performance.now() - started;
}

function refreshAll(compiled: CompiledPipeline): void {
  for (const id of compiled.plan.order) refreshStageCode(compiled.plan.stages[id]);
}

function sharedModule(): { dir: string; run: StageFn } {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'dagbook-bench-code-'));
  const write = (file: string, text: string) => {
    fs.mkdirSync(path.dirname(path.join(dir, file)), { recursive: true });
    fs.writeFileSync(path.join(dir, file), text);
  };
  write('package.json', '{ "name": "bench-code", "private": true }\n');
  write('node_modules/fakepkg/package.json', '{ "name": "fakepkg", "version": "1.0.0" }\n');
  write('node_modules/fakepkg/index.js', 'exports.k = 2;\n');
  write('lib/g.ts', 'export const g = (n: number) => n + 1;\n');
  write('lib/helper.ts', "import { g } from './g';\nimport { k } from 'fakepkg';\nexport const helper = (n: number) => g(n) * k;\n");
  write('stages.ts', "import { helper } from './lib/helper';\nexport const stage = () => helper(1);\n");
  return { dir, run: require(path.join(dir, 'stages.ts')).stage as StageFn };
}

async function measure(label: string, stages: StageDefinition[], edit?: (i: number) => void) {
  const compile: number[] = [];
  const refresh: number[] = [];
  const dry: number[] = [];
  const afterEdit: number[] = [];
  for (let i = 0; i < REPEATS; i++) {
    let compiled: CompiledPipeline | undefined;
    compile.push(timeSyncMs(() => (compiled = compilePipeline({ name: 'bench', stages }))));
    refresh.push(timeSyncMs(() => refreshAll(compiled!)));
    dry.push(await timeAsync(() => dryRun(compiled!, { store: new MemoryStore() })));
    if (edit) {
      edit(i);
      afterEdit.push(timeSyncMs(() => refreshAll(compiled!)));
    }
  }
  const figures = {
    compileMs: median(compile),
    refreshMs: median(refresh),
    dryRunMs: median(dry),
    ...(edit ? { refreshAfterEditMs: median(afterEdit) } : {}),
  };
  process.stdout.write(
    `${label}: compile ${figures.compileMs} ms, refresh of all stages ${figures.refreshMs} ms, dry run ${figures.dryRunMs} ms` +
      (edit ? `, refresh after an edit of the shared module ${figures.refreshAfterEditMs} ms` : '') +
      '\n',
  );
  return figures;
}

async function main(): Promise<void> {
  const factor = 2;
  const inline: StageDefinition[] = Array.from({ length: STAGES }, (_, i) => ({
    id: `s${i}`,
    params: { i },
    run: (ctx) => Number(ctx.params.i) * factor,
  }));
  const { dir, run } = sharedModule();
  const cwd = process.cwd();
  process.chdir(dir);
  try {
    const shared: StageDefinition[] = Array.from({ length: STAGES }, (_, i) => ({ id: `s${i}`, params: { i }, run }));
    const inlineFigures = await measure(`${STAGES} inline stages`, inline);
    const sharedFigures = await measure(`${STAGES} stages sharing one module`, shared, (i) =>
      fs.writeFileSync(path.join(dir, 'lib/g.ts'), `export const g = (n: number) => n + ${i + 2};\n`),
    );
    process.stdout.write(`${JSON.stringify({ inline: inlineFigures, sharedModule: sharedFigures })}\n`);
  } finally {
    process.chdir(cwd);
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

void main();
