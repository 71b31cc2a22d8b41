import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import * as fs from 'node:fs';
import * as net from 'node:net';
import * as os from 'node:os';
import * as path from 'node:path';
import { shutDownLab, type LabServer } from './lab-shutdown';

/** Options of `dagbook lab`. */
export interface LabOptions {
  /** Port to listen on. @default 8888 */
  readonly port: number;
  /** Open a browser. @default false */
  readonly browser: boolean;
  /** The project to serve (holding `.venv/`, `notebooks/`, `pipelines/`). */
  readonly root: string;
}

/** How long to wait for JupyterLab to listen on the port it logged. */
const LISTEN_TIMEOUT_MS = 10_000;
/** Pause between two connection attempts while waiting for JupyterLab to listen. */
const LISTEN_RETRY_MS = 100;

/**
 * Resolves once 127.0.0.1:`port` accepts a TCP connection, or after
 * `timeoutMs` (the URL is worth printing either way).
 */
function whenListening(port: number, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  return new Promise((resolve) => {
    const attempt = () => {
      const socket = net.connect(port, '127.0.0.1');
      socket.once('connect', () => {
        socket.destroy();
        resolve();
      });
      socket.once('error', () => {
        socket.destroy();
        if (Date.now() >= deadline) resolve();
        else setTimeout(attempt, LISTEN_RETRY_MS);
      });
    };
    attempt();
  });
}

/** Signals that stop `dagbook lab`: Ctrl-C (with or without a terminal), `kill`, a closed terminal. */
const STOP_SIGNALS: readonly NodeJS.Signals[] = ['SIGINT', 'SIGTERM', 'SIGHUP'];

/** The notebook the printed URL opens, relative to the project root. */
export const WELCOME_NOTEBOOK = 'notebooks/00-welcome.ipynb';

/**
 * Starts JupyterLab on the project root (so `pipelines/` and `state/` are
 * reachable) with the welcome notebook open, bound to 127.0.0.1, with a fresh
 * token, and prints the URL to open. Each start has a fresh workspace (it
 * does not re-open the notebooks of the last session) and its own runtime
 * folder, both in a temporary folder removed when the server stops.
 * SIGINT, SIGTERM and SIGHUP shut the server and its kernels down (see
 * `lab-shutdown.ts`); a second one stops waiting for them. Resolves with
 * JupyterLab's exit code, 0 when it was told to stop.
 */
export function startLab(options: LabOptions, out: (line: string) => void): Promise<number> {
  const root = options.root;
  const jupyter = path.join(root, '.venv', 'bin', 'jupyter');
  if (!fs.existsSync(jupyter)) {
    out(`JupyterLab is not installed in ${path.join(root, '.venv')}: run \`npm start\`, which sets it up first.`);
    return Promise.resolve(1);
  }
  const token = randomBytes(16).toString('hex');
  const session = fs.mkdtempSync(path.join(os.tmpdir(), 'dagbook-lab-'));
  const args = [
    'lab',
    '--ip=127.0.0.1',
    `--port=${options.port}`,
    `--ServerApp.root_dir=${root}`,
    `--LabApp.workspaces_dir=${path.join(session, 'workspaces')}`,
    `--IdentityProvider.token=${token}`,
    '--MappingKernelManager.default_kernel_name=tslab',
    // Jupyter's own hidden names, plus node_modules: the project root is served, and nobody browses packages there.
    '--ContentsManager.hide_globs=["__pycache__", "*.pyc", "*.pyo", ".DS_Store", "*~", "node_modules"]',
    ...(options.browser ? [`--LabApp.default_url=/lab/tree/${WELCOME_NOTEBOOK}`] : ['--no-browser']),
    // Jupyter refuses to start as root without this; containers often run as root.
    ...(process.getuid?.() === 0 ? ['--allow-root'] : []),
  ];
  // Its own process group, and no terminal input: a Ctrl-C reaches this
  // process only, which then shuts Jupyter and its kernels down in order.
  const child = spawn(jupyter, args, {
    cwd: root,
    detached: true,
    stdio: ['ignore', 'inherit', 'pipe'],
    env: { ...process.env, JUPYTER_PLATFORM_DIRS: '1', JUPYTER_RUNTIME_DIR: path.join(session, 'runtime') },
  });
  let port: number | undefined;
  let exited = false;
  let logged = '';
  child.stderr.setEncoding('utf8');
  child.stderr.on('data', (chunk: string) => {
    process.stderr.write(chunk);
    if (port !== undefined) return;
    // Jupyter may move to the next free port: announce the port it reports
    // (the log line may arrive split across chunks).
    logged += chunk;
    const match = /http:\/\/127\.0\.0\.1:(\d+)\/lab/.exec(logged);
    if (match) {
      logged = '';
      const listening = Number(match[1]);
      port = listening;
      // Jupyter logs its URL just before it listens: announce once it answers.
      void whenListening(listening, LISTEN_TIMEOUT_MS).then(() => {
        if (!exited) out(`\ndagbook workbench: http://127.0.0.1:${listening}/lab/tree/${WELCOME_NOTEBOOK}?token=${token}\n`);
      });
    }
  });

  let stopRequests = 0;
  const server: LabServer = { pid: child.pid ?? -1, port: () => port, token, exited: () => exited };
  let stopped: Promise<void> | undefined;
  const onSignal = () => {
    stopRequests += 1;
    if (stopRequests === 1) out('\ndagbook lab: stopping JupyterLab and its kernels (again to stop at once)');
    stopped ??= shutDownLab(server, () => stopRequests > 1);
  };
  for (const name of STOP_SIGNALS) process.on(name, onSignal);

  return new Promise((resolve) => {
    child.once('error', (error) => {
      out(`Could not start ${jupyter}: ${error.message}`);
    });
    // 'exit' as soon as the server ends; 'close' once its output pipe is shut,
    // which kernels (they inherit it) may hold open until they end too.
    child.once('exit', () => {
      exited = true;
    });
    child.once('close', (code) => {
      exited = true;
      void (stopped ?? Promise.resolve()).then(() => {
        for (const name of STOP_SIGNALS) process.removeListener(name, onSignal);
        fs.rmSync(session, { recursive: true, force: true });
        resolve(stopRequests > 0 ? 0 : (code ?? 1));
      });
    });
  });
}
