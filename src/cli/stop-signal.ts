/**
 * Resolves at the first SIGINT (Ctrl-C) or SIGTERM, and stops listening for
 * both: what a command that serves until told to stop (`dagbook serve`,
 * `dagbook worker`) awaits before it closes what it opened.
 */
export function untilStopSignal(): Promise<void> {
  return new Promise<void>((resolve) => {
    const stop = (): void => {
      process.off('SIGINT', stop);
      process.off('SIGTERM', stop);
      resolve();
    };
    process.on('SIGINT', stop);
    process.on('SIGTERM', stop);
  });
}
