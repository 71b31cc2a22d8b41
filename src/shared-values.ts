/**
 * How large values travel between a coordinator and its queue workers
 * besides the job itself: a channel through storage both sides see (the
 * store's implementation, `store/shared-values.ts`, uses the state folder's
 * content-addressed `artifacts/` on a shared file system). Given to the
 * executor by the run and to a worker by its command; without one, every
 * value travels in the job.
 */
export interface SharedValues {
  /**
   * Puts a value's stored form (`encodeOutput`'s text) where the other side
   * can read it, when it is worth it; returns its hash, or undefined when the
   * value should travel in the job.
   */
  share(stateDir: string | undefined, stored: string): string | undefined;
  /** Reads a value the other side shared; `what` names it in errors. */
  read(stateDir: string | undefined, hash: string, what: string): unknown;
}
