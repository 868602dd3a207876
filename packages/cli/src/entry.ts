import type { StartupInfo } from './context.js';
import { main } from './main.js';

/**
 * Runs the command line of this process: the one entry both the modules' `bin.js` and the
 * one-file build call, so the two cannot differ.
 */
export async function runCli(argv: readonly string[] = process.argv.slice(2), startup: StartupInfo = { build: 'modules' }): Promise<void> {
  // A reader that goes away (`nimbus check | head -1`) ends the command quietly, as SIGPIPE ends
  // a C program: exit 128 + 13, no stack trace.
  for (const stream of [process.stdout, process.stderr]) {
    stream.on('error', (err: NodeJS.ErrnoException) => {
      if (err.code === 'EPIPE') process.exit(141);
      throw err;
    });
  }
  const code = await main([...argv], {
    stdout: process.stdout,
    stderr: process.stderr,
    cwd: process.cwd(),
    env: process.env,
    stdin: () => process.stdin,
    startup,
  });
  process.exitCode = code;
  // The command is done: leave once the output is written, rather than wait for background
  // work V8 still has queued (optimising compiles), which held a finished check ~10 ms.
  await Promise.all([process.stdout, process.stderr].map((s) => new Promise<void>((written) => s.write('', () => written()))));
  process.exit(code);
}

export { main };
