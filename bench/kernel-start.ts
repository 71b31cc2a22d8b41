import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { median, removeDir, round3, tempStateDir } from './harness';

/**
 * What a user waits for in a fresh notebook kernel before the first stage has
 * run: a new tslab kernel is started, and once it is ready one cell imports
 * dagbook, opens a workbench on a one-stage pipeline and runs it. The clock
 * covers that cell only, from the kernel's ready reply to the cell's execute
 * reply: tslab's type check of the cell (and of every declaration file the
 * import pulls in), loading the library, opening the state and the run. The
 * kernel's own start (~1.5 s, the same with or without dagbook) is reported
 * beside it, not counted.
 *
 * The kernel is the project's registered `tslab` kernelspec (in `.venv/`),
 * started in `<project>/notebooks`, so the cell's `'dagbook'` resolves as a
 * notebook's does. Jupyter's client is Python's `jupyter_client`, driven by
 * the small script below: a kernel has no Node client we keep.
 */

/** Figures of {@link benchKernelStart}. */
export interface KernelStartFigures {
  /** Median ms from kernel ready to the reply of the import + open + run cell. */
  readonly firstCellMs: number;
  /** Median ms from starting the kernel process to its ready reply. */
  readonly kernelReadyMs: number;
  /** Every sample of the first cell, ms. */
  readonly samples: number[];
}

/** Options of {@link benchKernelStart}. */
export interface KernelStartOptions {
  /** The project whose `.venv` and `node_modules/dagbook` the kernel uses. @default this repository */
  readonly projectRoot?: string;
  /** Kernelspec name. @default 'tslab' */
  readonly kernel?: string;
}

const DRIVER = String.raw`
import json, sys, time
from jupyter_client.manager import start_new_kernel
cwd, kernel, code = sys.argv[1], sys.argv[2], sys.argv[3]
started = time.monotonic()
km, kc = start_new_kernel(kernel_name=kernel, cwd=cwd, startup_timeout=120)
ready = time.monotonic()
stderr = []
def hook(msg):
    if msg["msg_type"] == "stream" and msg["content"]["name"] == "stderr":
        stderr.append(msg["content"]["text"])
try:
    reply = kc.execute_interactive(code, timeout=120, output_hook=hook)
    done = time.monotonic()
finally:
    kc.stop_channels()
    km.shutdown_kernel(now=True)
print(json.dumps({"readyMs": (ready - started) * 1000, "cellMs": (done - ready) * 1000,
                  "status": reply["content"]["status"], "stderr": "".join(stderr)}))
`;

/** The cell a user runs first: import, open a workbench, run a trivial stage. */
export function firstCell(stateDir: string): string {
  return [
    "import { definePipeline, openWorkbench } from 'dagbook';",
    "const pipeline = definePipeline({ name: 'kernel-start', stages: [{ id: 'one', run: () => 1 }] });",
    `const wb = await openWorkbench(pipeline, { stateDir: ${JSON.stringify(stateDir)} });`,
    'await wb.run();',
  ].join('\n');
}

interface Sample {
  readonly readyMs: number;
  readonly cellMs: number;
}

function oneKernel(root: string, kernel: string): Sample {
  const stateDir = tempStateDir();
  try {
    const python = path.join(root, '.venv', 'bin', 'python');
    if (!fs.existsSync(python)) throw new Error(`No virtualenv at ${path.join(root, '.venv')}: run \`npm run setup\` first.`);
    const r = spawnSync(python, ['-c', DRIVER, path.join(root, 'notebooks'), kernel, firstCell(stateDir)], { encoding: 'utf8', timeout: 300_000 });
    const line = (r.stdout ?? '').trim().split('\n').pop() ?? '';
    if (r.status !== 0 || !line.startsWith('{')) throw new Error(`The kernel driver failed (exit code ${r.status}): ${r.stderr}`);
    const result = JSON.parse(line) as Sample & { status: string; stderr: string };
    if (result.status !== 'ok' || result.stderr !== '') throw new Error(`The first cell failed (${result.status}): ${result.stderr}`);
    return result;
  } finally {
    removeDir(stateDir);
  }
}

/** Starts `repeats` fresh kernels one after another and times each one's first cell. */
export async function benchKernelStart(repeats = 5, log: (line: string) => void = () => {}, options: KernelStartOptions = {}): Promise<KernelStartFigures> {
  const root = options.projectRoot ?? path.resolve(__dirname, '..');
  const samples: Sample[] = [];
  for (let i = 0; i < repeats; i++) samples.push(oneKernel(root, options.kernel ?? 'tslab'));
  const cells = samples.map((s) => round3(s.cellMs));
  const figures = { firstCellMs: round3(median(cells)), kernelReadyMs: round3(median(samples.map((s) => s.readyMs))), samples: cells };
  log(`  first cell (import + openWorkbench + run one stage): ${cells.join(', ')} ms (median ${figures.firstCellMs}, target <= 2000); kernel ready in ${figures.kernelReadyMs} ms, not counted`);
  return figures;
}

if (require.main === module) {
  benchKernelStart(Number(process.env.BENCH_REPEATS ?? 5), (line) => process.stdout.write(`${line}\n`)).catch((error: unknown) => {
    process.stderr.write(`${error instanceof Error ? error.message : String(error)}\n`);
    process.exitCode = 1;
  });
}
