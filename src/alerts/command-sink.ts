import { spawn } from 'node:child_process';
import type { Clock } from '../clock';
import { DagbookError, errorMessage } from '../errors';
import type { PlanCommandSink } from '../plan/plan';
import { alertEnvironment, type AlertPayload } from './alert-payload';
import type { AlertSink } from './alert-sink';

/**
 * Runs a command for each alert: the alert as JSON on its stdin and as
 * `DAGBOOK_ALERT_*` environment variables (added to this process's own).
 * Without `args` the command is a shell command line (`sh -c`); with `args`
 * it is the program, run without a shell. A command that exits with another
 * status than 0, or outlives its timeout (it is then killed), fails the
 * delivery with the last lines of its stderr. Not retried: a command is
 * local, and one that failed would most likely fail again.
 */

/** Characters of a failed command's stderr kept for its message. */
const STDERR_TAIL_CHARS = 500;

/** See the module comment. */
export class CommandSink implements AlertSink {
  readonly name: string;

  constructor(
    private readonly sink: PlanCommandSink,
    private readonly clock: Clock,
  ) {
    this.name = `command ${sink.args === undefined ? sink.command : [sink.command, ...sink.args].join(' ')}`;
  }

  deliver(payload: AlertPayload, signal: AbortSignal): Promise<void> {
    if (signal.aborted) return Promise.reject(signal.reason);
    const { command, args, timeoutMs } = this.sink;
    return new Promise<void>((resolve, reject) => {
      // A process group of its own, so a kill reaches what a shell command line started too.
      const env = { ...process.env, ...alertEnvironment(payload) };
      const child =
        args === undefined
          ? spawn(command, { env, stdio: ['pipe', 'ignore', 'pipe'], detached: true, shell: true })
          : spawn(command, [...args], { env, stdio: ['pipe', 'ignore', 'pipe'], detached: true });
      let stderr = '';
      let stopped: 'timeout' | 'aborted' | undefined;
      const timer = new AbortController();
      const stop = (why: 'timeout' | 'aborted') => {
        stopped ??= why;
        try {
          if (child.pid !== undefined) process.kill(-child.pid, 'SIGKILL');
        } catch {
          // Already gone.
        }
      };
      const onAbort = () => stop('aborted');
      signal.addEventListener('abort', onAbort, { once: true });
      this.clock.sleep(timeoutMs, timer.signal).then(
        () => stop('timeout'),
        () => undefined,
      );
      child.stderr.setEncoding('utf8');
      child.stderr.on('data', (chunk: string) => {
        stderr = (stderr + chunk).slice(-STDERR_TAIL_CHARS);
      });
      // A command that does not read its stdin closes it early: not a failure of the delivery.
      child.stdin.on('error', () => undefined);
      child.stdin.end(JSON.stringify(payload));
      const done = (error: DagbookError | undefined) => {
        timer.abort();
        signal.removeEventListener('abort', onAbort);
        if (stopped === 'aborted') reject(signal.reason);
        else if (error) reject(error);
        else resolve();
      };
      child.on('error', (error) => done(this.failed(`could not start: ${errorMessage(error)}`, error)));
      child.on('close', (code, killedBy) => {
        if (stopped === 'timeout') return done(this.failed(`did not finish within ${timeoutMs} ms and was killed`));
        if (code === 0) return done(undefined);
        const tail = stderr.trim();
        done(this.failed(`${code === null ? `was killed by ${killedBy}` : `exited with status ${code}`}${tail ? `: ${tail}` : ''}`));
      });
    });
  }

  private failed(what: string, cause?: unknown): DagbookError {
    return new DagbookError('ALERT_DELIVERY_FAILED', `Alert sink \`${this.name}\` ${what}`, { errorClass: 'persistent', data: { sink: this.name }, ...(cause === undefined ? {} : { cause }) });
  }
}
