import { isProcessAlive } from '../process-alive';
import { descendants, signal } from './process-tree';

/**
 * Stopping JupyterLab with its kernels, whichever way `dagbook lab` is told
 * to stop. Jupyter starts each kernel in a session of its own, so a signal to
 * the server's process group never reaches them, and a server stopped by a
 * signal may not shut them down. So, in this order:
 *   1. note every process under the server (its kernels among them);
 *   2. ask the server to shut down through its REST API (`POST /api/shutdown`
 *      with the token): it shuts its kernels down and removes its runtime files;
 *   3. if it has not exited after {@link API_GRACE_MS}: SIGTERM its process
 *      group, then SIGKILL after {@link TERM_GRACE_MS};
 *   4. SIGKILL whatever noted in step 1 still runs.
 * `force` (a second Ctrl-C) skips the waiting.
 */

/** How long the server may take to shut its kernels down and exit when asked through the API. */
const API_GRACE_MS = 6_000;
/** How long the server may take to exit after SIGTERM. */
const TERM_GRACE_MS = 2_000;
/** How long to wait for SIGKILLed processes to be gone. */
const KILL_GRACE_MS = 1_000;
const POLL_MS = 50;

/** A running JupyterLab server, as `dagbook lab` started it. */
export interface LabServer {
  /** Process id of the server; it leads its own process group. */
  readonly pid: number;
  /** Port it listens on, once it said so. */
  readonly port: () => number | undefined;
  /** Its API token. */
  readonly token: string;
  /** True once the server process has exited. */
  readonly exited: () => boolean;
}

/** Resolves true once `done()` holds, false after `timeoutMs` or once `cut()` holds. */
async function waitFor(done: () => boolean, timeoutMs: number, cut: () => boolean): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  while (!done()) {
    if (Date.now() >= deadline || cut()) return false;
    await new Promise((resolve) => setTimeout(resolve, POLL_MS));
  }
  return true;
}

/** POSTs /api/shutdown; the server may stop before it answers, so only a refused connection tells. */
async function requestShutdown(port: number, token: string): Promise<void> {
  try {
    await fetch(`http://127.0.0.1:${port}/api/shutdown`, {
      method: 'POST',
      headers: { Authorization: `token ${token}` },
      signal: AbortSignal.timeout(API_GRACE_MS),
    });
  } catch {
    // Not listening (yet, or any more), or it stopped mid-answer: the waits below decide.
  }
}

/**
 * Stops `server` and every process under it (see the module comment); resolves
 * once none of them runs, or they were all sent SIGKILL. `force()` turning
 * true skips the remaining waits.
 */
export async function shutDownLab(server: LabServer, force: () => boolean): Promise<void> {
  const below = descendants(server.pid);
  const port = server.port();
  if (port !== undefined && !server.exited() && !force()) {
    void requestShutdown(port, server.token);
    await waitFor(server.exited, API_GRACE_MS, force);
  }
  if (!server.exited()) {
    signal(-server.pid, 'SIGTERM');
    if (!(await waitFor(server.exited, TERM_GRACE_MS, force))) signal(-server.pid, 'SIGKILL');
  }
  const left = below.filter(isProcessAlive);
  for (const pid of left) signal(pid, 'SIGKILL');
  await waitFor(() => left.every((pid) => !isProcessAlive(pid)), KILL_GRACE_MS, () => false);
}
