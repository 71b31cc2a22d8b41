import type { Clock } from '../clock';
import { DagbookError, errorMessage } from '../errors';
import type { Policy } from './policy';

/**
 * The per-attempt timeout. The attempt gets an AbortSignal that aborts on
 * timeout or on the parent (run) signal. A function that honours it settles
 * soon after; one that ignores it is abandoned once `graceMs` has passed, so a
 * retry never waits on a hung attempt. Either way the call rejects with
 * `STAGE_TIMEOUT` (timeout) or `STAGE_CANCELLED` (parent abort), never with
 * whatever the aborted function settled with. All waiting goes through
 * `clock.sleep` with an internal AbortController, so no timer outlives the call.
 */

/** Why the internal timers stop when the call settles. */
const SETTLED = 'settled';

/** Options of {@link withTimeout}. */
export interface TimeoutOptions {
  /** Time the attempt may take, in ms; 0 means no timeout. */
  readonly timeoutMs: number;
  /** Time an aborted function is given to settle before it is abandoned, in ms. */
  readonly graceMs: number;
  /** Time source. */
  readonly clock: Clock;
  /** Run cancellation; its abort aborts the attempt. @default none */
  readonly parentSignal?: AbortSignal;
  /** Stage named in errors. */
  readonly stageId: string;
}

/**
 * Runs `fn` with an abort signal under a timeout.
 * @throws DagbookError `STAGE_TIMEOUT` (class `transient`, data `{ timeoutMs, graceMs, abandoned }`)
 *   when `timeoutMs` passes first.
 * @throws DagbookError `STAGE_CANCELLED` when the parent signal aborts first
 *   (at once when it is already aborted; `fn` is then not called).
 * Otherwise settles as `fn` does.
 */
export function withTimeout<T>(fn: (signal: AbortSignal) => T | Promise<T>, options: TimeoutOptions): Promise<T> {
  return runWithTimeout((signal) => fn(signal()), options);
}

/**
 * {@link withTimeout}, handing `fn` the attempt's signal as a function: the
 * signal is made when first asked for (most stages never read `ctx.signal`,
 * and an `AbortSignal` costs more to make than the rest of an attempt's
 * bookkeeping), already aborted if the attempt was stopped before.
 */
function runWithTimeout<T>(fn: (signal: () => AbortSignal) => T | Promise<T>, options: TimeoutOptions): Promise<T> {
  const { timeoutMs, graceMs, clock, parentSignal, stageId } = options;
  if (parentSignal?.aborted) return Promise.reject(cancelledError(stageId, parentSignal.reason));

  return new Promise<T>((resolve, reject) => {
    // Node's AbortController makes its signal on first read: until a reader asks, aborting it costs nothing.
    const attempt = new AbortController();
    // Stops the timeout and grace timers once the call settles; made only when a timer starts (most attempts have none).
    let timers: AbortController | undefined;
    const timerSignal = (): AbortSignal => (timers ??= new AbortController()).signal;
    let done = false;
    let unsubscribe: (() => void) | undefined;
    let stopReason: DagbookError | undefined;

    const settle = (ok: boolean, value: unknown): void => {
      if (done) return;
      done = true;
      // A reason of our own: `abort()` without one builds a DOMException with a stack, per attempt.
      timers?.abort(SETTLED);
      unsubscribe?.();
      if (ok) resolve(value as T);
      else reject(value);
    };

    const stop = (reason: DagbookError, abandoned: () => DagbookError): void => {
      if (done || stopReason) return;
      stopReason = reason;
      attempt.abort(reason);
      if (graceMs <= 0) return settle(false, abandoned());
      clock.sleep(graceMs, timerSignal()).then(
        () => settle(false, abandoned()),
        () => {},
      );
    };

    const onParentAbort = (): void => {
      const error = cancelledError(stageId, parentSignal?.reason);
      stop(error, () => error);
    };

    let work: Promise<T>;
    try {
      work = Promise.resolve(fn(() => attempt.signal));
    } catch (error) {
      work = Promise.reject(error);
    }
    work.then(
      (value) => (stopReason ? settle(false, stopReason) : settle(true, value)),
      (error) => settle(false, stopReason ?? error),
    );

    if (parentSignal !== undefined) unsubscribe = onAbort(parentSignal, onParentAbort);
    if (timeoutMs > 0) {
      clock.sleep(timeoutMs, timerSignal()).then(
        () =>
          stop(timeoutError(stageId, timeoutMs, graceMs, false), () => timeoutError(stageId, timeoutMs, graceMs, true)),
        () => {},
      );
    }
  });
}

function timeoutError(stageId: string, timeoutMs: number, graceMs: number, abandoned: boolean): DagbookError {
  const tail = abandoned ? `; it ignored its abort signal and was abandoned after a further ${graceMs} ms grace` : '';
  return new DagbookError('STAGE_TIMEOUT', `Stage \`${stageId}\` timed out after ${timeoutMs} ms (timeoutMs)${tail}`, {
    stageId,
    errorClass: 'transient',
    data: { timeoutMs, graceMs, abandoned },
  });
}

function cancelledError(stageId: string, reason: unknown): DagbookError {
  const why = reason === undefined ? '' : `: ${errorMessage(reason)}`;
  return new DagbookError('STAGE_CANCELLED', `Stage \`${stageId}\` was cancelled${why}`, {
    stageId,
    errorClass: 'transient',
    cause: reason,
  });
}

/**
 * {@link withTimeout} as a policy: each call gets a signal that aborts on
 * timeout or when the caller's signal aborts (made when the context's
 * `signal` is first read).
 * @throws DagbookError `STAGE_TIMEOUT` / `STAGE_CANCELLED` from `execute`, as `withTimeout`.
 */
export function timeoutPolicy(options: Omit<TimeoutOptions, 'parentSignal'>): Policy {
  return {
    execute(fn, context) {
      return runWithTimeout(
        (signal) =>
          fn({
            attempt: context.attempt,
            get signal() {
              return signal();
            },
          }),
        { ...options, parentSignal: context.signal },
      );
    },
  };
}

/** What listens to a signal's abort on behalf of the calls running under it, in the order they began. */
const abortListeners = new WeakMap<AbortSignal, Set<() => void>>();

/**
 * Calls `listener` once when `signal` aborts; returns its removal. One
 * listener per signal serves every call under it: a run's signal sees one
 * subscription per attempt, and an EventTarget listener costs several times
 * a set entry to add and remove.
 */
function onAbort(signal: AbortSignal, listener: () => void): () => void {
  const listeners = abortListeners.get(signal) ?? listenTo(signal);
  listeners.add(listener);
  return () => listeners.delete(listener);
}

/** The one abort listener on `signal`, calling the listeners of the set it returns. */
function listenTo(signal: AbortSignal): Set<() => void> {
  const listeners = new Set<() => void>();
  abortListeners.set(signal, listeners);
  signal.addEventListener(
    'abort',
    () => {
      abortListeners.delete(signal);
      for (const each of [...listeners]) each();
    },
    { once: true },
  );
  return listeners;
}
