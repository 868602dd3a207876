import { readdirSync, readFileSync, statSync } from 'node:fs';
import { access, constants, mkdir, readdir, readFile, rename, rm, stat, writeFile } from 'node:fs/promises';
import { dirname, join, resolve } from 'node:path';
import { NimbusError, type SpecInput } from '@nimbus/model';

const DEFAULT_SPEC_NAMES = ['nimbus.yaml', 'nimbus.yml', 'score.yaml', 'score.yml'];

// Reading the spec is synchronous: a command waits for it anyway, and each asynchronous call
// would be a round trip through the thread pool at start-up.
function isDirectory(path: string): boolean {
  try {
    return statSync(path).isDirectory();
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
    if (!isDirectory(path)) {
      out.push(arg);
      continue;
    }
    const entries = readdirSync(path);
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
        return { file, text: readFileSync(resolve(cwd, file), 'utf8') };
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

/** The record Nimbus keeps in a directory it writes: which files are its own. */
export const BUNDLE_MARKER = '.nimbus-bundle';
const MARKER_HEADER = '# Written by `nimbus render --out`. Nimbus replaces or removes only the files listed here; files you add stay.';

export interface WriteOptions {
  /** Write into a directory Nimbus did not write, or over a file, anyway. */
  force?: boolean;
}

export interface BundleOptions extends WriteOptions {
  /**
   * The directory also holds the user's own files (e.g. a repository root for
   * generated artifacts): writing into it is fine; only overwriting a file
   * Nimbus did not record is refused.
   */
  shared?: boolean;
  /** Name of the record of Nimbus's own files in the directory (default BUNDLE_MARKER). */
  record?: string;
}

/** The files a previous run recorded as its own; every file for a record from before the list existed. */
async function ownFiles(dir: string, entries: readonly string[], marker: string): Promise<Set<string> | undefined> {
  if (!entries.includes(marker)) return undefined;
  const text = await readFile(join(dir, marker), 'utf8');
  if (!text.startsWith('#')) return new Set(entries.filter((e) => e !== marker));
  return new Set(text.split('\n').filter((l) => l && !l.startsWith('#')));
}

const refused = (what: string, hint: string) => new NimbusError('NIMBUS_OUTPUT_REFUSED', what, { hint });

/** What is at the target now, and which of its files Nimbus may replace or remove. */
async function existingTarget(target: string, shown: string, options: BundleOptions, marker: string): Promise<Set<string> | 'none'> {
  const force = options.force ?? false;
  const info = await stat(target).catch(() => undefined);
  if (!info) return 'none';
  if (!info.isDirectory()) {
    if (!force)
      throw refused(`refusing to write a directory over the file ${shown}`, 'choose another --out, or pass --force to replace the file');
    await rm(target, { force: true });
    return 'none';
  }
  const entries = await readdir(target);
  const own = await ownFiles(target, entries, marker);
  if (own) return own;
  if (entries.length > 0 && !force && !options.shared) {
    throw refused(
      `refusing to write into ${shown}: it holds files Nimbus did not write`,
      'choose an empty or new directory, or pass --force (your files stay)',
    );
  }
  return new Set();
}

/**
 * Creates a directory and its missing parents one level at a time. (Node's
 * recursive mkdir retries for ever where creation fails with ENOENT under an
 * existing parent, as in /proc.)
 */
async function makeDirectory(dir: string): Promise<void> {
  const info = await stat(dir).catch(() => undefined);
  if (info?.isDirectory()) return;
  if (info) throw new Error(`${dir} is not a directory`);
  const parent = dirname(dir);
  if (parent !== dir) await makeDirectory(parent);
  await mkdir(dir).catch((err: NodeJS.ErrnoException) => {
    if (err.code !== 'EEXIST') throw err;
  });
}

/** Fails at once when the target's parent cannot take files (a read-only or special path such as /proc). */
async function writableParent(target: string, shown: string): Promise<void> {
  const parent = dirname(target);
  const probe = join(parent, `.nimbus-probe-${process.pid}`);
  try {
    await makeDirectory(parent);
    await access(parent, constants.W_OK);
    await mkdir(probe);
    await rm(probe, { recursive: true, force: true });
  } catch (cause) {
    throw new NimbusError('NIMBUS_OUTPUT', `cannot write ${shown}: ${dirname(shown) || parent} is not a writable directory`, { cause });
  }
}

async function writeAll(dir: string, files: readonly { path: string; content: string }[]): Promise<void> {
  for (const f of files) {
    const path = join(dir, f.path);
    await makeDirectory(dirname(path));
    await writeFile(path, f.content);
  }
}

/** A file Nimbus would write that exists and is not in its record belongs to the user: refused unless forced. */
async function refuseForeignFiles(
  target: string,
  shown: string,
  files: readonly { path: string }[],
  own: ReadonlySet<string>,
): Promise<void> {
  for (const f of files) {
    if (own.has(f.path)) continue;
    if (await stat(join(target, f.path)).catch(() => undefined)) {
      throw refused(`refusing to overwrite ${join(shown, f.path)}: it is not a file Nimbus wrote`, 'move it aside, or pass --force');
    }
  }
}

/**
 * Writes a bundle into a directory without losing anything of the user's: a
 * new directory appears whole (written aside, then renamed into place); in a
 * directory Nimbus wrote before, only the files it recorded are replaced or
 * removed, each file replaced whole, and files the user added stay. A file,
 * or a directory Nimbus did not write, is refused unless forced.
 */
export async function writeFilesAtomically(
  dir: string,
  files: readonly { path: string; content: string }[],
  options: BundleOptions = {},
): Promise<void> {
  const target = resolve(dir);
  const marker = options.record ?? BUNDLE_MARKER;
  await writableParent(target, dir);
  const existing = await existingTarget(target, dir, options, marker);
  if (existing !== 'none' && !options.force) await refuseForeignFiles(target, dir, files, existing);
  const record = {
    path: marker,
    content: `${MARKER_HEADER}\n${files
      .map((f) => f.path)
      .sort()
      .join('\n')}\n`,
  };
  const staging = `${target}.nimbus-tmp-${process.pid}`;
  try {
    await rm(staging, { recursive: true, force: true });
    await writeAll(staging, [...files, record]);
    if (existing === 'none') {
      await rename(staging, target);
      return;
    }
    const fresh = new Set(files.map((f) => f.path));
    for (const f of [...files, record]) {
      await makeDirectory(dirname(join(target, f.path)));
      await rename(join(staging, f.path), join(target, f.path));
    }
    for (const old of existing) if (!fresh.has(old)) await rm(join(target, old), { force: true });
  } catch (cause) {
    if (cause instanceof NimbusError) throw cause;
    throw new NimbusError('NIMBUS_OUTPUT', `cannot write ${dir}: ${(cause as Error).message}`, { cause });
  } finally {
    await rm(staging, { recursive: true, force: true }).catch(() => undefined);
  }
}

/**
 * Writes one output file (a report) without overwriting anything of the
 * user's: an existing file is replaced only when `isOurs` recognises it as an
 * earlier output, or when forced. The new content replaces the old whole.
 */
export async function writeOutputFile(
  file: string,
  content: string,
  isOurs: (existing: string) => boolean,
  options: WriteOptions = {},
): Promise<void> {
  const target = resolve(file);
  await writableParent(target, file);
  const info = await stat(target).catch(() => undefined);
  if (info?.isDirectory()) throw refused(`refusing to write ${file}: it is a directory`, 'choose a file name');
  if (info && !options.force && !isOurs((await readFile(target, 'utf8').catch(() => '')).slice(0, 4096))) {
    throw refused(`refusing to overwrite ${file}: it is not a file Nimbus wrote`, 'choose another name, or pass --force');
  }
  const temp = `${target}.nimbus-tmp-${process.pid}`;
  try {
    await writeFile(temp, content);
    await rename(temp, target);
  } catch (cause) {
    await rm(temp, { force: true }).catch(() => undefined);
    throw new NimbusError('NIMBUS_OUTPUT', `cannot write ${file}: ${(cause as Error).message}`, { cause });
  }
}

/**
 * What a Score workload's `files[].source` names, read relative to the Score
 * file (as Score's tools do); undefined when it cannot be read.
 */
export function scoreFileReader(cwd: string): (fromFile: string | undefined, path: string) => string | undefined {
  return (fromFile, path) => {
    try {
      return readFileSync(resolve(cwd, fromFile && fromFile !== '<stdin>' ? dirname(fromFile) : '.', path), 'utf8');
    } catch {
      return undefined;
    }
  };
}
