import { mkdir, readdir, readFile, rename, rm, stat, writeFile } from 'node:fs/promises';
import { dirname, join, resolve } from 'node:path';
import { NimbusError, type SpecInput } from '@nimbus/model';

const DEFAULT_SPEC_NAMES = ['nimbus.yaml', 'nimbus.yml', 'score.yaml', 'score.yml'];

async function isDirectory(path: string): Promise<boolean> {
  try {
    return (await stat(path)).isDirectory();
  } catch {
    return false;
  }
}

/**
 * Finds the spec files to read: the named files; for a directory its
 * nimbus.yaml, or else its Score files; with nothing named, the current
 * directory's.
 */
export async function resolveSpecPaths(args: readonly string[], cwd = process.cwd()): Promise<string[]> {
  const named = args.length > 0 ? args : ['.'];
  const out: string[] = [];
  for (const arg of named) {
    const path = resolve(cwd, arg);
    if (!(await isDirectory(path))) {
      out.push(arg);
      continue;
    }
    const entries = await readdir(path);
    const nimbus = DEFAULT_SPEC_NAMES.slice(0, 2).find((n) => entries.includes(n));
    const scores = entries.filter((e) => /^score(\..+)?\.ya?ml$/.test(e)).sort();
    const chosen = nimbus ? [nimbus] : scores;
    if (chosen.length === 0) {
      throw new NimbusError('NIMBUS_FILE_NOT_FOUND', `no nimbus.yaml or score.yaml in ${arg === '.' ? 'the current directory' : arg}`, {
        hint: 'pass the spec file, or run `nimbus init` to create one',
      });
    }
    for (const c of chosen) out.push(join(arg, c));
  }
  return out;
}

export async function readSpecInputs(paths: readonly string[], cwd = process.cwd()): Promise<SpecInput[]> {
  return Promise.all(
    paths.map(async (file) => {
      if (file === '-') return { file: '<stdin>', text: await readStdin() };
      try {
        return { file, text: await readFile(resolve(cwd, file), 'utf8') };
      } catch (cause) {
        throw new NimbusError('NIMBUS_FILE_NOT_FOUND', `cannot read ${file}: ${(cause as NodeJS.ErrnoException).code ?? 'error'}`, {
          cause,
          location: { file },
        });
      }
    }),
  );
}

async function readStdin(): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of process.stdin) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks).toString('utf8');
}

/**
 * Writes a set of files into a directory as one step: they go to a sibling
 * temporary directory first, which then replaces the target, so a failure
 * never leaves a half-written bundle.
 */
export const BUNDLE_MARKER = '.nimbus-bundle';

export async function writeFilesAtomically(dir: string, files: readonly { path: string; content: string }[]): Promise<void> {
  const target = resolve(dir);
  const staging = `${target}.nimbus-tmp-${process.pid}`;
  if (await isDirectory(target)) {
    const entries = await readdir(target);
    // Only a directory Nimbus wrote (or an empty one) is replaced: nothing of the user's is lost.
    if (entries.length > 0 && !entries.includes(BUNDLE_MARKER)) {
      throw new NimbusError('NIMBUS_OUTPUT', `refusing to replace ${dir}: it holds files Nimbus did not write`, {
        hint: 'choose an empty or new directory for --out',
        location: { file: dir },
      });
    }
  }
  files = [...files, { path: BUNDLE_MARKER, content: 'This directory is written by `nimbus render --out` and replaced on each run.\n' }];
  try {
    await rm(staging, { recursive: true, force: true });
    for (const f of files) {
      const path = join(staging, f.path);
      await mkdir(dirname(path), { recursive: true });
      await writeFile(path, f.content);
    }
    await mkdir(dirname(target), { recursive: true });
    await rm(target, { recursive: true, force: true });
    await rename(staging, target);
  } catch (cause) {
    await rm(staging, { recursive: true, force: true }).catch(() => undefined);
    throw new NimbusError('NIMBUS_OUTPUT', `cannot write ${dir}: ${(cause as Error).message}`, { cause });
  }
}
