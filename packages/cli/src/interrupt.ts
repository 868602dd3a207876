/**
 * Resolves on Ctrl-C or SIGTERM (the end of a long-running command), or when `alsoWhen` calls its
 * `stop` — whichever comes first. The handlers are removed again, so a later command is unaffected.
 */
export function untilInterrupted(alsoWhen?: (stop: () => void) => void): Promise<void> {
  return new Promise<void>((done) => {
    const stop = () => {
      process.off('SIGINT', stop);
      process.off('SIGTERM', stop);
      done();
    };
    process.on('SIGINT', stop);
    process.on('SIGTERM', stop);
    alsoWhen?.(stop);
  });
}
