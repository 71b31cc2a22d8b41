import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import * as fs from 'node:fs';
import * as net from 'node:net';
import * as path from 'node:path';
import { projectRoot } from '../notebook/run-notebook';

/** Options of `dagbook lab`. */
export interface LabOptions {
  /** Port to listen on. @default 8888 */
  readonly port: number;
  /** Open a browser. @default false */
  readonly browser: boolean;
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

/**
 * Starts JupyterLab on `notebooks/`, bound to 127.0.0.1, with a fresh token,
 * and prints the URL to open. Resolves with JupyterLab's exit code.
 */
export function startLab(options: LabOptions, out: (line: string) => void): Promise<number> {
  const root = projectRoot();
  const jupyter = path.join(root, '.venv', 'bin', 'jupyter');
  if (!fs.existsSync(jupyter)) {
    out(`JupyterLab is not installed in ${path.join(root, '.venv')}: run \`npm start\`, which sets it up first.`);
    return Promise.resolve(1);
  }
  const token = randomBytes(16).toString('hex');
  const args = [
    'lab',
    '--ip=127.0.0.1',
    `--port=${options.port}`,
    `--ServerApp.root_dir=${path.join(root, 'notebooks')}`,
    `--IdentityProvider.token=${token}`,
    '--MappingKernelManager.default_kernel_name=tslab',
    ...(options.browser ? [] : ['--no-browser']),
    // Jupyter refuses to start as root without this; containers often run as root.
    ...(process.getuid?.() === 0 ? ['--allow-root'] : []),
  ];
  const child = spawn(jupyter, args, {
    cwd: path.join(root, 'notebooks'),
    stdio: ['inherit', 'inherit', 'pipe'],
    env: { ...process.env, JUPYTER_PLATFORM_DIRS: '1' },
  });
  let announced = false;
  let logged = '';
  child.stderr.setEncoding('utf8');
  child.stderr.on('data', (chunk: string) => {
    process.stderr.write(chunk);
    if (announced) return;
    // Jupyter may move to the next free port: announce the port it reports
    // (the log line may arrive split across chunks).
    logged += chunk;
    const match = /http:\/\/127\.0\.0\.1:(\d+)\/lab/.exec(logged);
    if (match) {
      announced = true;
      logged = '';
      const port = Number(match[1]);
      // Jupyter logs its URL just before it listens: announce once it answers.
      void whenListening(port, LISTEN_TIMEOUT_MS).then(() => {
        out(`\ndagbook workbench: http://127.0.0.1:${port}/lab/tree/00-welcome.ipynb?token=${token}\n`);
      });
    }
  });
  const stop = () => child.kill('SIGTERM');
  process.once('SIGINT', stop);
  process.once('SIGTERM', stop);
  return new Promise((resolve) => child.on('close', (code) => resolve(code ?? 0)));
}
