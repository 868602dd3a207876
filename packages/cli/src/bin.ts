#!/usr/bin/env node
import { main } from './main.js';

// A reader that goes away (`nimbus check | head -1`) ends the command quietly, as SIGPIPE ends
// a C program: exit 128 + 13, no stack trace.
for (const stream of [process.stdout, process.stderr]) {
  stream.on('error', (err: NodeJS.ErrnoException) => {
    if (err.code === 'EPIPE') process.exit(141);
    throw err;
  });
}

const code = await main(process.argv.slice(2), {
  stdout: process.stdout,
  stderr: process.stderr,
  cwd: process.cwd(),
  env: process.env,
  stdin: process.stdin,
});
process.exitCode = code;
