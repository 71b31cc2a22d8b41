import { execFileSync, spawn } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { fdatasyncProbeMs, removeDir, round3 } from '../harness';
import { peersChart } from './peer-chart';
import { parsePeerLine } from './peer-line';
import { buildReport, GOAL_RATIO, goalLine, markdownTable, workloads, type ReportRow, type ReportSystem, type Sample } from './peer-report';
import { PEER_SYSTEMS, type PeerPaths, type PeerSystem } from './peer-systems';
import { ensurePeerVenv } from './peer-venv';

/**
 * `npm run bench:peers`: dagbook side by side with Prefect 3, Luigi, Dagster
 * and Kedro on the same DAGs of no-op tasks (chain and fan-out, N = 200 and
 * 1,000, and the cached re-run where a system skips up-to-date work).
 *
 * Every (system, workload) is one process with a fresh temp state folder;
 * each process times only its run calls (start-up, imports and a 200-task
 * warm-up run of the same shape, with its re-run where the system skips
 * up-to-date work, are not counted) and prints one JSON line.
 * Rounds run one process at a time, the systems' order rotated per round and workload, and
 * the table shows medians per task over the rounds, so ratios come from one
 * invocation on one machine state. Writes `<out>/peers.json` (after every round)
 * and `<out>/peers.svg`.
 *
 * Options: `--rounds 3`, `--sizes 200,1000`, `--only dagbook-durable,luigi`
 * (keys of peer-systems.ts), `--out bench/results`; `--chart-from <json>` only
 * re-draws a saved result's chart and table. `PEERS_PYTHON` names the
 * interpreter that creates `.venv-peers/` (default `python3`).
 */

const PROCESS_TIMEOUT_MS = 20 * 60_000;

interface Options {
  readonly rounds: number;
  readonly sizes: number[];
  readonly only?: string[];
  readonly out: string;
}

function parseOptions(argv: readonly string[], root: string): Options {
  const value = (flag: string) => {
    const at = argv.indexOf(flag);
    return at >= 0 ? argv[at + 1] : undefined;
  };
  const rounds = Number(value('--rounds') ?? 3);
  const sizes = (value('--sizes') ?? '200,1000').split(',').map(Number);
  const only = value('--only')?.split(',');
  if (!Number.isInteger(rounds) || rounds < 1) throw new Error(`Expected \`--rounds\` to be an integer >= 1, got \`${value('--rounds')}\``);
  if (sizes.some((n) => !Number.isInteger(n) || n < 2)) throw new Error(`Expected \`--sizes\` to be integers >= 2, got \`${value('--sizes')}\``);
  const unknown = only?.filter((key) => !PEER_SYSTEMS.some((s) => s.key === key)) ?? [];
  if (unknown.length) throw new Error(`Unknown \`--only\` system(s) ${unknown.join(', ')}; known: ${PEER_SYSTEMS.map((s) => s.key).join(', ')}`);
  return { rounds, sizes, only, out: path.resolve(root, value('--out') ?? 'bench/results') };
}

/** Runs one benchmark process; resolves its stdout, rejects with its stderr's tail. */
function runProcess(file: string, args: string[], env: Record<string, string>): Promise<string> {
  return new Promise((resolve, reject) => {
    const child = spawn(file, args, { env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (stderr = (stderr + chunk.toString()).slice(-4000)));
    const timer = setTimeout(() => child.kill('SIGKILL'), PROCESS_TIMEOUT_MS);
    child.on('error', reject);
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      if (code === 0) resolve(stdout);
      else reject(new Error(`exited ${code ?? signal}: ${stderr.trim().split('\n').slice(-6).join('\n')}`));
    });
  });
}

async function measure(system: PeerSystem, paths: PeerPaths, shape: string, n: number): Promise<ReturnType<typeof parsePeerLine>> {
  const stateDir = fs.mkdtempSync(path.join(os.tmpdir(), `dagbook-peers-${system.key}-`));
  try {
    const { file, args } = system.command(paths, ['--shape', shape, '--n', String(n), '--state', stateDir]);
    const stdout = await runProcess(file, args, system.environment(stateDir));
    return parsePeerLine(stdout, `${path.basename(file)} ${args.map((a) => path.basename(a)).join(' ')}`);
  } finally {
    removeDir(stateDir);
  }
}

function versionOf(python: string): string {
  return execFileSync(python, ['--version']).toString().trim();
}

function pins(root: string): Record<string, string> {
  const text = fs.readFileSync(path.join(root, 'bench', 'peers', 'requirements.txt'), 'utf8');
  return Object.fromEntries(text.split('\n').filter((l) => /^[a-z].*==/.test(l)).map((l) => l.split('==') as [string, string]));
}

async function main(): Promise<void> {
  const root = path.resolve(__dirname, '..', '..');
  const from = process.argv.indexOf('--chart-from');
  if (from >= 0) return chartFrom(path.resolve(process.argv[from + 1]));
  const options = parseOptions(process.argv.slice(2), root);
  const log = (line: string) => process.stdout.write(`${line}\n`);
  const started = performance.now();
  const systems = PEER_SYSTEMS.filter((s) => options.only === undefined || options.only.includes(s.key));
  const python = ensurePeerVenv(root, path.join(root, '.venv-peers'), process.env.PEERS_PYTHON ?? 'python3', log);
  const paths: PeerPaths = { root, python };
  const machine = {
    cpus: os.cpus().length,
    cpuModel: os.cpus()[0]?.model ?? 'unknown',
    node: process.version,
    python: versionOf(python),
    loadAverageAtStart: os.loadavg().map(round3),
    fdatasyncMsAtStart: fdatasyncProbeMs(),
  };
  log(`dagbook vs peers: ${machine.cpus} CPUs, node ${machine.node}, ${machine.python}, ${options.rounds} rounds, sizes ${options.sizes.join(', ')}; load ${machine.loadAverageAtStart.join(' ')}, fdatasync ${machine.fdatasyncMsAtStart} ms`);

  const shapes = options.sizes.flatMap((n) => (['chain', 'fanout'] as const).map((shape) => ({ shape, n })));
  const samples: Sample[] = [];
  const failures: { key: string; workload: string; round: number; error: string }[] = [];
  fs.mkdirSync(options.out, { recursive: true });
  const jsonPath = path.join(options.out, 'peers.json');
  const svgPath = path.join(options.out, 'peers.svg');
  const writeJson = (roundsDone: number) => {
    const report = buildReport(systems, workloads(options.sizes), samples, new Set(failures.map((f) => `${f.key} ${f.workload}`)));
    const current = {
      date: new Date().toISOString().slice(0, 10),
      command: 'npm run bench:peers',
      machine: { ...machine, loadAverageAtEnd: os.loadavg().map(round3), fdatasyncMsAtEnd: fdatasyncProbeMs() },
      versions: pins(root),
      rounds: options.rounds,
      roundsDone,
      systems: systems.map(({ key, label, durable, caches, description }) => ({ key, label, durable, caches, description })),
      report,
      goal: goalLine(report),
      samples,
      failures,
      totalMinutes: Math.round((performance.now() - started) / 6000) / 10,
    };
    fs.writeFileSync(jsonPath, `${JSON.stringify(current, null, 2)}\n`);
    return current;
  };
  let result = writeJson(0);
  for (let round = 0; round < options.rounds; round++) {
    for (const [index, { shape, n }] of shapes.entries()) {
      const shift = (round + index) % systems.length;
      for (const system of [...systems.slice(shift), ...systems.slice(0, shift)]) {
        try {
          const line = await measure(system, paths, shape, n);
          samples.push({ ...line, key: system.key, round });
          const cached = line.cachedMs === null ? '' : `, cached re-run ${round3(line.cachedMs / n)} ms/task`;
          log(`  round ${round + 1}, ${shape} ${n}, ${system.label}: ${round3(line.runMs / n)} ms/task${cached}`);
        } catch (error) {
          const message = error instanceof Error ? error.message : String(error);
          failures.push({ key: system.key, workload: `${shape}-${n}`, round, error: message });
          log(`  round ${round + 1}, ${shape} ${n}, ${system.label}: FAILED ${message}`);
        }
      }
    }
    // Written after every round, so that a run stopped part-way still leaves its samples.
    result = writeJson(round + 1);
  }

  const { report, goal, totalMinutes } = result;
  log('');
  log(markdownTable(systems, report));
  log('');
  log(goal.line);
  fs.writeFileSync(svgPath, chartOf(result));
  log(`Wrote ${path.relative(root, jsonPath)} and ${path.relative(root, svgPath)} (${totalMinutes} min)`);
  if (failures.length > 0) process.exitCode = 1;
}

/** The chart of a result, with its date, machine and goal check as subtitles. */
function chartOf(result: { date: string; machine: { cpus: number }; rounds: number; systems: PeerSystem[] | ReportSystem[]; report: ReportRow[] }): string {
  const compared = result.report.filter((row) => row.goalMet !== undefined);
  const missed = compared.filter((row) => !row.goalMet).length;
  const subtitles = [
    `${result.date}, ${result.machine.cpus} CPUs, ${result.rounds} rounds; blue: dagbook, orange: durable peers, grey: peers that keep no state.`,
    `Goal, dagbook durable >= ${GOAL_RATIO}× faster per task than the fastest durable peer, met on ${compared.length - missed} of ${compared.length} workloads.`,
  ];
  return peersChart(result.systems, result.report, subtitles);
}

/** `--chart-from <json>`: re-draws the chart and re-prints the table of a saved result, measuring nothing. */
function chartFrom(jsonPath: string): void {
  const result = JSON.parse(fs.readFileSync(jsonPath, 'utf8'));
  const svgPath = jsonPath.replace(/\.json$/, '.svg');
  fs.writeFileSync(svgPath, chartOf(result));
  process.stdout.write(`${markdownTable(result.systems, result.report)}\n\n${goalLine(result.report).line}\nWrote ${svgPath}\n`);
}

main().catch((error: unknown) => {
  process.stderr.write(`${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
  process.exitCode = 1;
});
