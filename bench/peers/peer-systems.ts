import * as fs from 'node:fs';
import * as path from 'node:path';

/**
 * The systems and modes that `npm run bench:peers` compares, and how to start
 * each one's benchmark process. Every mode runs in a process of its own, with
 * a fresh state folder; environment variables point each peer's state at that
 * folder and quiet its logging to warnings (dagbook logs nothing).
 */

/** One column of the comparison. */
export interface PeerSystem {
  /** Stable key, e.g. `dagster-disk`. */
  readonly key: string;
  /** Column title. */
  readonly label: string;
  /** Whether the mode keeps run state on disk (only these count for the goal). */
  readonly durable: boolean;
  /** Whether it can skip up-to-date work on a re-run. */
  readonly caches: boolean;
  /** One line on what the mode is. */
  readonly description: string;
  /** The command and arguments, given the workload arguments. */
  command(paths: PeerPaths, workload: readonly string[]): { file: string; args: string[] };
  /** Extra environment, given the process's fresh state folder (prepared by this call). */
  environment(stateDir: string): Record<string, string>;
}

/** Where the scripts and the interpreters are. */
export interface PeerPaths {
  /** The repository root. */
  readonly root: string;
  /** The peers' virtualenv's python. */
  readonly python: string;
}

const QUIET_PYTHON = { PYTHONUNBUFFERED: '1', DO_NOT_TRACK: '1', KEDRO_DISABLE_TELEMETRY: 'true' };

function python(script: string, mode: string) {
  return (paths: PeerPaths, workload: readonly string[]) => ({
    file: paths.python,
    args: [path.join(paths.root, 'bench', 'peers', script), ...workload, '--mode', mode],
  });
}

const noEnvironment = () => ({});

function dagsterHome(stateDir: string): Record<string, string> {
  const home = path.join(stateDir, 'dagster-home');
  fs.mkdirSync(home, { recursive: true });
  // Without this file Dagster prints a notice and sends telemetry on every run.
  fs.writeFileSync(path.join(home, 'dagster.yaml'), 'telemetry:\n  enabled: false\n');
  return { ...QUIET_PYTHON, DAGSTER_HOME: home };
}

function dagbook(mode: string) {
  return (paths: PeerPaths, workload: readonly string[]) => ({
    file: path.join(paths.root, 'node_modules', '.bin', 'tsx'),
    args: [path.join(paths.root, 'bench', 'peers', 'dagbook-run.ts'), ...workload, '--mode', mode],
  });
}

/** Every compared mode, in the order of the table's columns. */
export const PEER_SYSTEMS: readonly PeerSystem[] = [
  {
    key: 'dagbook-durable',
    label: 'dagbook durable',
    durable: true,
    caches: true,
    description: 'runPipeline on the durable store in a temp state folder',
    command: dagbook('durable'),
    environment: noEnvironment,
  },
  {
    key: 'dagbook-memory',
    label: 'dagbook in-memory',
    durable: false,
    caches: true,
    description: 'runPipeline on the MemoryStore',
    command: dagbook('memory'),
    environment: noEnvironment,
  },
  {
    key: 'prefect',
    label: 'Prefect 3 (local server)',
    durable: true,
    caches: true,
    description: 'local server + SQLite, results persisted for its cache, timed until the task runs are saved',
    command: python('prefect_bench.py', 'local-server'),
    environment: (stateDir) => ({
      ...QUIET_PYTHON,
      PREFECT_HOME: path.join(stateDir, 'prefect-home'),
      PREFECT_LOGGING_LEVEL: 'WARNING',
      PREFECT_SERVER_ANALYTICS_ENABLED: 'false',
      // The local server starts in a subprocess; on a busy machine it needs longer than the 20 s default.
      PREFECT_SERVER_EPHEMERAL_STARTUP_TIMEOUT_SECONDS: '300',
    }),
  },
  {
    key: 'dagster-disk',
    label: 'Dagster (on-disk)',
    durable: true,
    caches: false,
    description: 'on-disk instance (SQLite in DAGSTER_HOME) and the filesystem IO manager',
    command: python('dagster_bench.py', 'disk'),
    environment: dagsterHome,
  },
  {
    key: 'dagster-ephemeral',
    label: 'Dagster (ephemeral)',
    durable: false,
    caches: false,
    description: 'ephemeral instance, in-memory IO manager',
    command: python('dagster_bench.py', 'ephemeral'),
    environment: dagsterHome,
  },
  {
    key: 'luigi',
    label: 'Luigi (file targets)',
    durable: true,
    caches: true,
    description: 'local scheduler, one worker, a file target per task',
    command: python('luigi_bench.py', 'file-targets'),
    environment: () => QUIET_PYTHON,
  },
  {
    key: 'kedro',
    label: 'Kedro (in memory)',
    durable: false,
    caches: false,
    description: 'SequentialRunner on an in-memory catalog; keeps no state',
    command: python('kedro_bench.py', 'memory'),
    environment: () => QUIET_PYTHON,
  },
];
