import { execFile } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync } from 'node:fs';
import { mkdir, rename, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { NimbusError } from '@nimbus/model';

/**
 * Git through the git CLI: the one adapter that touches repositories. Remote or local, every
 * source is mirrored into a cache directory and read from there by commit, so a sync never works
 * in the user's checkout and never sees uncommitted files.
 */

export class GitError extends NimbusError {
  constructor(message: string, hint?: string) {
    super('NIMBUS_GIT', message, hint ? { hint } : {});
  }
}

function git(args: string[], options: { cwd?: string; input?: string; env?: NodeJS.ProcessEnv } = {}): Promise<string> {
  return new Promise((resolve, reject) => {
    const child = execFile(
      'git',
      args,
      {
        cwd: options.cwd,
        maxBuffer: 256 << 20,
        // Never prompt for credentials: a sync runs unattended.
        env: { ...process.env, GIT_TERMINAL_PROMPT: '0', ...options.env },
      },
      (err, stdout, stderr) => {
        if (err) {
          const reason = (stderr || err.message).trim().split('\n').slice(-3).join(' ');
          reject(new GitError(`git ${args[0]}: ${reason}`));
        } else resolve(stdout);
      },
    );
    if (options.input !== undefined) child.stdin?.end(options.input);
  });
}

/** A repository mirrored locally, fetched on demand, read by commit. */
export class GitMirror {
  private readonly dir: string;
  private fetching: Promise<void> | undefined;

  constructor(
    readonly url: string,
    cacheDir: string,
  ) {
    this.dir = join(cacheDir, 'mirrors', createHash('sha256').update(url).digest('hex').slice(0, 16));
  }

  /** Brings the mirror up to date with the remote (concurrent callers share one fetch). */
  fetch(): Promise<void> {
    this.fetching ??= (async () => {
      if (!existsSync(join(this.dir, 'HEAD'))) {
        await mkdir(join(this.dir, '..'), { recursive: true });
        const partial = `${this.dir}.partial-${process.pid}`;
        await rm(partial, { recursive: true, force: true });
        await git(['clone', '--mirror', '--quiet', this.url, partial]);
        await rename(partial, this.dir).catch(async () => rm(partial, { recursive: true, force: true }));
      } else {
        await git(['fetch', '--prune', '--quiet', '--force', 'origin', '+refs/heads/*:refs/heads/*', '+refs/tags/*:refs/tags/*'], {
          cwd: this.dir,
        });
      }
    })().finally(() => {
      this.fetching = undefined;
    });
    return this.fetching;
  }

  /** The commit a branch, tag or commit names; HEAD when none is given. */
  async resolve(revision = 'HEAD'): Promise<string> {
    const candidates = revision === 'HEAD' ? ['HEAD'] : [`refs/heads/${revision}`, `refs/tags/${revision}`, revision];
    for (const candidate of candidates) {
      try {
        return (await git(['rev-parse', '--verify', '--quiet', `${candidate}^{commit}`], { cwd: this.dir })).trim();
      } catch {
        // try the next reading of the name
      }
    }
    throw new GitError(`${this.url} has no branch, tag or commit '${revision}'`, 'check the revision of the app definition');
  }

  /** The commit's subject line, for status and Events. */
  async subject(commit: string): Promise<string> {
    return (await git(['log', '-1', '--format=%s', commit], { cwd: this.dir })).trim();
  }

  /**
   * The files under `path` at `commit`, extracted once into the cache (commits are immutable, so
   * one extraction serves every app and every later sync of that commit). Returns the directory.
   */
  async checkout(commit: string, path: string, cacheDir: string): Promise<string> {
    const clean = path.replace(/^\/+|\/+$/g, '');
    const root = join(cacheDir, 'checkouts', commit);
    const target = clean ? join(root, clean) : root;
    if (existsSync(join(root, '.complete'))) return target;
    // Many apps of one repository want the same commit at once: one extraction, the rest wait for it.
    let extraction = this.extractions.get(root);
    if (!extraction) {
      extraction = this.extract(commit, root).finally(() => this.extractions.delete(root));
      this.extractions.set(root, extraction);
    }
    await extraction;
    return target;
  }

  private readonly extractions = new Map<string, Promise<void>>();

  private async extract(commit: string, root: string): Promise<void> {
    if (existsSync(join(root, '.complete'))) return;
    const partial = `${root}.partial-${process.pid}-${Date.now()}`;
    await mkdir(partial, { recursive: true });
    await git(['--work-tree', partial, 'checkout', '--quiet', commit, '--', '.'], {
      cwd: this.dir,
      env: { GIT_INDEX_FILE: `${partial}.index` },
    });
    await rm(`${partial}.index`, { force: true });
    // The marker is written last: a half-extracted commit is never taken for a whole one.
    await writeFile(join(partial, '.complete'), commit);
    await rename(partial, root).catch(async () => rm(partial, { recursive: true, force: true }));
  }
}

/** Commits everything under `paths` of a work tree; returns the commit, or undefined when nothing changed. */
export async function commitAll(
  workTree: string,
  paths: string[],
  message: string,
  author: { name: string; email: string } | undefined,
): Promise<string | undefined> {
  await git(['add', '--all', '--', ...paths], { cwd: workTree });
  const staged = await git(['diff', '--cached', '--name-only', '--', ...paths], { cwd: workTree });
  if (!staged.trim()) return undefined;
  const identity = author ?? { name: 'Nimbus', email: 'nimbus@localhost' };
  await git(['commit', '--quiet', '--no-verify', '-m', message, '--', ...paths], {
    cwd: workTree,
    env: {
      GIT_AUTHOR_NAME: identity.name,
      GIT_AUTHOR_EMAIL: identity.email,
      GIT_COMMITTER_NAME: identity.name,
      GIT_COMMITTER_EMAIL: identity.email,
    },
  });
  return (await git(['rev-parse', 'HEAD'], { cwd: workTree })).trim();
}

/** The top of the work tree `dir` is in, or a GitError when it is not in one. */
export async function workTreeOf(dir: string): Promise<string> {
  try {
    return (await git(['rev-parse', '--show-toplevel'], { cwd: dir })).trim();
  } catch {
    throw new GitError(`${dir} is not inside a Git work tree`, 'run `git init` there, or give --repo a clone of the manifests repository');
  }
}

/** Pushes the current branch to its upstream (when the export is asked to). */
export async function push(workTree: string): Promise<void> {
  await git(['push', '--quiet'], { cwd: workTree });
}
