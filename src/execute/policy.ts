/**
 * The shape every stage policy shares, after cockatiel's `IPolicy`: a policy
 * runs a function through `execute(fn, context)` and may call it once
 * (a gate, a timeout), several times (the retry loop) or not at all (a
 * refusal), handing it a context of its own. {@link wrap} nests policies,
 * the first outermost, as cockatiel's `wrap(...policies)` does.
 *
 * cockatiel itself is not used: its breaker and backoff run on real timers
 * and keep their own state shape, while ours take an injected `Clock` (tests
 * drive them with a `ManualClock` and assert exact delays) and persist breaker
 * state through `CircuitBreaker.toJSON`. The interface is all we take from it.
 */

/** What a policy hands the function it wraps. */
export interface PolicyContext {
  /** Number of the attempt being made, from 1 (set by the retry policy). */
  readonly attempt: number;
  /** Aborts when the call must stop: the run's signal, or the attempt's once a timeout policy wraps it. */
  readonly signal: AbortSignal;
}

/** A function run through policies. */
export type PolicyFn<T> = (context: PolicyContext) => Promise<T>;

/** One policy: runs `fn` under its rule. */
export interface Policy {
  /** Runs `fn` (zero, one or more times) under this policy; settles as the policy decides. */
  execute<T>(fn: PolicyFn<T>, context: PolicyContext): Promise<T>;
}

/**
 * One policy made of several: `wrap(a, b, c).execute(fn, ctx)` runs
 * `a.execute(ctx1 => b.execute(ctx2 => c.execute(fn, ctx2), ctx1), ctx)`.
 * With no policies it runs `fn` once.
 */
export function wrap(...policies: readonly Policy[]): Policy {
  return {
    execute<T>(fn: PolicyFn<T>, context: PolicyContext): Promise<T> {
      const chain = policies.reduceRight<PolicyFn<T>>((inner, policy) => (ctx) => policy.execute(inner, ctx), fn);
      return chain(context);
    },
  };
}
