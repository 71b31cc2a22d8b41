import type { Clock } from '../clock';
import { DagbookError, type ErrorClass } from '../errors';
import type { PlanBreaker } from '../plan/plan';
import type { BreakerSnapshot } from '../records';

/**
 * A circuit breaker per shared service (key). CLOSED lets calls through and
 * counts consecutive failures; at `failureThreshold` it goes OPEN and fails
 * fast with `CIRCUIT_OPEN`; once `recoveryTimeoutMs` has passed the next call
 * is a single HALF_OPEN probe (other calls fail fast while it runs); the
 * probe's success closes the breaker, its failure opens it again with a fresh
 * timer. State round-trips through {@link CircuitBreaker.toJSON} so the
 * durable store can persist it across runs.
 *
 * Which failures count: `transient`, `resource` and `logic` ones. A
 * `persistent` failure (bad input or config) says nothing about the health of
 * the service, so it is neutral: it neither counts nor resets the count, and a
 * probe that ends with one leaves the breaker HALF_OPEN for the next call.
 */

/** The three breaker states. */
export type BreakerState = BreakerSnapshot['state'];

/** Error classes whose failures count against a breaker. */
export const BREAKER_COUNTED_CLASSES: readonly ErrorClass[] = ['transient', 'resource', 'logic'];

/** A state change, as handed to `onStateChange` (shaped like the CIRCUIT_BREAKER event metadata). */
export interface BreakerStateChange {
  /** Breaker key. */
  readonly key: string;
  /** State before. */
  readonly from: BreakerState;
  /** State after. */
  readonly to: BreakerState;
  /** Consecutive failures counted after the change. */
  readonly failures: number;
  /** ISO time at which an OPEN breaker lets a probe through; set when `to` is OPEN. */
  readonly halfOpenAt?: string;
  /** Stage whose call caused the change, when known. */
  readonly stageId?: string;
}

/** Options of a {@link CircuitBreaker}. */
export interface CircuitBreakerOptions extends PlanBreaker {
  /** Time source. */
  readonly clock: Clock;
  /** Called on every state change. @default no-op */
  readonly onStateChange?: (change: BreakerStateChange) => void;
}

/** Leave to make one call; hand it back to `success`, `failure` or `release`. */
export interface BreakerPermit {
  /** Breaker key. */
  readonly key: string;
  /** True when this call is the HALF_OPEN probe. */
  readonly probe: boolean;
  /** Stage making the call, when given. */
  readonly stageId?: string;
}

const CLOSED_SNAPSHOT: BreakerSnapshot = { state: 'CLOSED', failures: 0, openedAt: null };

/** See the module comment. */
export class CircuitBreaker {
  readonly key: string;
  readonly failureThreshold: number;
  readonly recoveryTimeoutMs: number;
  private readonly clock: Clock;
  private readonly onStateChange: (change: BreakerStateChange) => void;
  private current: BreakerState;
  private failureCount: number;
  private openedAt: number | null;
  private probing = false;

  /**
   * @param snapshot - State to resume from (a persisted {@link toJSON}); a
   *   HALF_OPEN snapshot resumes with no probe in flight, so the next call probes.
   */
  constructor(options: CircuitBreakerOptions, snapshot: BreakerSnapshot = CLOSED_SNAPSHOT) {
    this.key = options.key;
    this.failureThreshold = options.failureThreshold;
    this.recoveryTimeoutMs = options.recoveryTimeoutMs;
    this.clock = options.clock;
    this.onStateChange = options.onStateChange ?? (() => {});
    this.current = snapshot.state;
    this.failureCount = snapshot.failures;
    this.openedAt = snapshot.state === 'CLOSED' ? null : snapshot.openedAt ?? options.clock.now();
  }

  /** A breaker resumed from a persisted snapshot. */
  static fromJSON(options: CircuitBreakerOptions, snapshot: BreakerSnapshot): CircuitBreaker {
    return new CircuitBreaker(options, snapshot);
  }

  /** The state as last changed (an OPEN breaker turns HALF_OPEN only when a call asks). */
  get state(): BreakerState {
    return this.current;
  }

  /** Consecutive failures counted. */
  get failures(): number {
    return this.failureCount;
  }

  /** When an OPEN breaker lets a probe through, ms since epoch; null unless OPEN. */
  get halfOpenAt(): number | null {
    return this.current === 'OPEN' && this.openedAt !== null ? this.openedAt + this.recoveryTimeoutMs : null;
  }

  /**
   * Asks leave to make one call.
   * @throws DagbookError `CIRCUIT_OPEN` (class `resource`) when OPEN and not yet
   *   due to half-open, or HALF_OPEN with a probe already in flight; its data is
   *   `{ key, halfOpenAt, halfOpenAtMs }`.
   */
  acquire(stageId?: string): BreakerPermit {
    if (this.current === 'OPEN') {
      const due = this.halfOpenAt ?? this.clock.now();
      if (this.clock.now() < due) throw this.openError(stageId, due, 'is open');
      this.transition('HALF_OPEN', stageId);
    }
    if (this.current === 'HALF_OPEN') {
      if (this.probing) throw this.openError(stageId, null, 'is half-open and its probe call is still running');
      this.probing = true;
      return { key: this.key, probe: true, stageId };
    }
    return { key: this.key, probe: false, stageId };
  }

  /** Reports that a permitted call succeeded. */
  success(permit: BreakerPermit): void {
    if (permit.probe) {
      this.probing = false;
      this.failureCount = 0;
      this.openedAt = null;
      this.transition('CLOSED', permit.stageId);
    } else if (this.current === 'CLOSED') {
      this.failureCount = 0;
    }
    // A straggler admitted before the breaker opened does not decide anything.
  }

  /** Reports that a permitted call failed with an error of class `errorClass`. */
  failure(permit: BreakerPermit, errorClass: ErrorClass): void {
    if (!BREAKER_COUNTED_CLASSES.includes(errorClass)) {
      this.release(permit);
      return;
    }
    if (permit.probe) {
      this.probing = false;
      this.failureCount += 1;
      this.openedAt = this.clock.now();
      this.transition('OPEN', permit.stageId);
    } else if (this.current === 'CLOSED') {
      this.failureCount += 1;
      if (this.failureCount >= this.failureThreshold) {
        this.openedAt = this.clock.now();
        this.transition('OPEN', permit.stageId);
      }
    }
  }

  /** Hands a permit back without a verdict (the call was cancelled or failed for a neutral reason). */
  release(permit: BreakerPermit): void {
    if (permit.probe) this.probing = false;
  }

  /** The persistable state. */
  toJSON(): BreakerSnapshot {
    return { state: this.current, failures: this.failureCount, openedAt: this.current === 'CLOSED' ? null : this.openedAt };
  }

  private transition(to: BreakerState, stageId: string | undefined): void {
    const from = this.current;
    if (from === to) return;
    this.current = to;
    const halfOpenAt = to === 'OPEN' ? this.halfOpenAt : null;
    this.onStateChange({
      key: this.key,
      from,
      to,
      failures: this.failureCount,
      ...(halfOpenAt === null ? {} : { halfOpenAt: new Date(halfOpenAt).toISOString() }),
      ...(stageId === undefined ? {} : { stageId }),
    });
  }

  private openError(stageId: string | undefined, dueMs: number | null, why: string): DagbookError {
    const when =
      dueMs === null ? 'it closes or reopens when that probe ends' : `it half-opens at ${new Date(dueMs).toISOString()}`;
    return new DagbookError('CIRCUIT_OPEN', `Circuit breaker \`${this.key}\` ${why}; ${when}`, {
      stageId,
      errorClass: 'resource',
      data: {
        key: this.key,
        halfOpenAt: dueMs === null ? null : new Date(dueMs).toISOString(),
        halfOpenAtMs: dueMs,
      },
    });
  }
}

/** Options of a {@link BreakerRegistry}. */
export interface BreakerRegistryOptions {
  /** Time source shared by every breaker. */
  readonly clock: Clock;
  /** Persisted breaker states by key, to resume from. @default {} */
  readonly snapshots?: Readonly<Record<string, BreakerSnapshot>>;
  /** Called on every state change of any breaker (emit CIRCUIT_BREAKER, persist the snapshot). @default no-op */
  readonly onStateChange?: (change: BreakerStateChange) => void;
}

/**
 * The breakers of a run, by key: stages that share a key share one breaker.
 * A breaker is created on first use from the first stage's {@link PlanBreaker}
 * and resumed from its snapshot when one was given.
 */
export class BreakerRegistry {
  private readonly breakers = new Map<string, CircuitBreaker>();
  private readonly options: BreakerRegistryOptions;

  constructor(options: BreakerRegistryOptions) {
    this.options = options;
  }

  /** The breaker for `config.key`, created on first use. */
  get(config: PlanBreaker): CircuitBreaker {
    let breaker = this.breakers.get(config.key);
    if (!breaker) {
      breaker = new CircuitBreaker(
        {
          key: config.key,
          failureThreshold: config.failureThreshold,
          recoveryTimeoutMs: config.recoveryTimeoutMs,
          clock: this.options.clock,
          onStateChange: this.options.onStateChange,
        },
        this.options.snapshots?.[config.key],
      );
      this.breakers.set(config.key, breaker);
    }
    return breaker;
  }

  /** The breaker with this key, if one was created. */
  find(key: string): CircuitBreaker | undefined {
    return this.breakers.get(key);
  }

  /** Every breaker's persistable state by key: the given snapshots, updated by the breakers used since. */
  snapshots(): Record<string, BreakerSnapshot> {
    const out: Record<string, BreakerSnapshot> = { ...(this.options.snapshots ?? {}) };
    for (const [key, breaker] of this.breakers) out[key] = breaker.toJSON();
    return out;
  }
}
