import type { Writable } from 'node:stream';
import { type Painter, plainPainter } from './format-error.js';

/** What a command may touch: streams, working directory, environment. Tests pass their own. */
export interface CliContext {
  stdout: Writable & { isTTY?: boolean };
  stderr: Writable & { isTTY?: boolean };
  cwd: string;
  env: NodeJS.ProcessEnv;
  /** What `-f -` reads; opened only then (making process.stdin costs a command that never reads it). */
  stdin?: () => NodeJS.ReadableStream;
  /** `--quiet`: results and errors only; `--verbose`: every step, and stacks with errors. */
  verbosity?: Verbosity;
  /** How this process loaded the command (the one-file build and its code cache, or the modules). */
  startup?: StartupInfo;
}

export interface StartupInfo {
  build: 'one-file' | 'modules';
  /** V8's code cache of the one-file build: used, refused (another Node version: compiled at start), or missing. */
  codeCache?: 'accepted' | 'rejected' | 'absent';
}

export type Verbosity = 'quiet' | 'normal' | 'verbose';

/** A progress or status note on stderr, left out by `--quiet`. */
export function note(ctx: CliContext, line: string): void {
  if (ctx.verbosity !== 'quiet') ctx.stderr.write(`${line}\n`);
}

/** Standard input, when a `-f -` asks for it (read once, whole). */
export async function stdinFor(paths: readonly string[] | undefined, ctx: CliContext): Promise<string | undefined> {
  if (!paths?.includes('-')) return undefined;
  if (!ctx.stdin) return '';
  let text = '';
  for await (const chunk of ctx.stdin()) text += String(chunk);
  return text;
}

export async function painterFor(stream: { isTTY?: boolean }, env: NodeJS.ProcessEnv): Promise<Painter> {
  const forced = env.FORCE_COLOR !== undefined && env.FORCE_COLOR !== '0';
  if (env.NO_COLOR !== undefined || (!forced && (!stream.isTTY || env.CI !== undefined))) return plainPainter;
  const pc = (await import('picocolors')).default;
  return { red: pc.red, yellow: pc.yellow, dim: pc.dim, bold: pc.bold, cyan: pc.cyan, green: pc.green };
}
