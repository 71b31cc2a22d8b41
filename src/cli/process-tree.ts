import { spawnSync } from 'node:child_process';

/**
 * The processes below a given one, read from `ps` (Linux and macOS alike).
 * Written here rather than taken from a package: it is one `ps` call and a
 * walk over its table, and none of the kept libraries does it.
 */

/** Parent of each live process, from `ps -A -o pid=,ppid=`; empty if `ps` cannot run. */
function parentTable(): Map<number, number> {
  const parents = new Map<number, number>();
  const ps = spawnSync('ps', ['-A', '-o', 'pid=,ppid='], { encoding: 'utf8' });
  if (ps.status !== 0 || typeof ps.stdout !== 'string') return parents;
  for (const line of ps.stdout.split('\n')) {
    const match = /^\s*(\d+)\s+(\d+)\s*$/.exec(line);
    if (match) parents.set(Number(match[1]), Number(match[2]));
  }
  return parents;
}

/**
 * Ids of the live processes whose parent chain leads to `pid`, nearest first
 * (`pid` itself not included). Processes that started their own session or
 * group (Jupyter kernels do) are found too: only the parent link counts.
 */
export function descendants(pid: number): number[] {
  const parents = parentTable();
  const found: number[] = [];
  let frontier = new Set([pid]);
  while (frontier.size > 0) {
    const next = [...parents].filter(([, ppid]) => frontier.has(ppid)).map(([child]) => child);
    found.push(...next);
    frontier = new Set(next);
  }
  return found;
}

/** Sends `signal` to `pid` (a negative id names a process group); false if nothing received it. */
export function signal(pid: number, signalName: NodeJS.Signals): boolean {
  try {
    process.kill(pid, signalName);
    return true;
  } catch {
    return false;
  }
}
