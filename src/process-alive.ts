/**
 * Whether a process exists, asked with signal 0 (`process.kill(pid, 0)`
 * sends nothing, it only checks). The state lock, the service supervisor,
 * `dagbook stop`, `dagbook serve` and the lab's shutdown all ask this one
 * question; a process of another user exists too (EPERM), and a zombie
 * counts until its parent reaps it.
 */

/** True unless `process.kill(pid, 0)` says no process has this id (ESRCH). */
export function isProcessAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    // EPERM: it exists but belongs to someone else.
    return (error as NodeJS.ErrnoException).code !== 'ESRCH';
  }
}
