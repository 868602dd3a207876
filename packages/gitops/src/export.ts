import { join, relative, resolve } from 'node:path';
import { NimbusError } from '@nimbus/model';
import { checkRendered, loadAndRender, writeFilesAtomically } from '@nimbus/project';
import { bundleFiles } from '@nimbus/render';
import { commitAll, push, workTreeOf } from './git.js';

export interface ExportOptions {
  cwd: string;
  /** Spec files or directory (as every command takes them). */
  spec: readonly string[];
  /** A directory inside a Git work tree: the manifests repository's checkout. */
  repo: string;
  /** Directory inside it; each environment gets `<path>/<environment>`. Default `deploy/<app>`. */
  path?: string;
  /** Environments to render; default the spec's own, or the base when it declares none. */
  environments?: string[];
  message?: string;
  author?: { name: string; email: string };
  push?: boolean;
  imageTag?: string;
}

export interface ExportResult {
  /** The commit made, or undefined when Git already had exactly this. */
  commit: string | undefined;
  directories: string[];
  objects: number;
}

/** "Name <email>", as git writes authors. */
export function parseAuthor(text: string): { name: string; email: string } {
  const m = /^\s*(.+?)\s*<([^<>\s]+@[^<>\s]+)>\s*$/.exec(text);
  if (!m) throw new NimbusError('NIMBUS_USAGE', `--author: '${text}' is not "Name <email>"`);
  return { name: m[1] as string, email: m[2] as string };
}

/**
 * `nimbus gitops export`: renders each environment into `<repo>/<path>/<environment>` (only files
 * Nimbus wrote there are replaced or removed) and commits them — the step a CI workflow runs so
 * that `nimbus sync` (or Argo CD, or Flux) finds plain manifests in Git. A render with errors
 * writes nothing.
 */
/** Each environment rendered and checked; one with errors stops the export before anything is written. */
async function renderChecked(o: ExportOptions, environments: (string | undefined)[]) {
  const rendered = [];
  for (const env of environments) {
    const r = await loadAndRender(o.spec, { cwd: o.cwd, env, imageTag: o.imageTag });
    const { findings } = await checkRendered(r, { cwd: o.cwd });
    const errors = findings.filter((f) => f.severity === 'error');
    if (errors.length)
      throw new NimbusError(
        'NIMBUS_INVALID_OBJECTS',
        `${env ?? 'the base'} renders ${errors.length} objects with errors; nothing was exported`,
        {
          hint: `run \`nimbus check${env ? ` -e ${env}` : ''}\` to see them`,
        },
      );
    rendered.push({ env: env ?? r.environment, r });
  }
  return rendered;
}

export async function exportToGit(o: ExportOptions): Promise<ExportResult> {
  const repoDir = resolve(o.cwd, o.repo);
  const top = await workTreeOf(repoDir);
  const environments = o.environments?.length ? o.environments : [undefined];
  const rendered = await renderChecked(o, environments);
  const app = rendered[0]?.r.spec.metadata.name ?? 'app';
  const base = o.path ?? join('deploy', app);
  const directories: string[] = [];
  let objects = 0;
  for (const { env, r } of rendered) {
    const dir = resolve(repoDir, base, env ?? '.');
    await writeFilesAtomically(dir, bundleFiles(r.objects), {});
    directories.push(relative(top, dir) || '.');
    objects += r.objects.length;
  }
  const named = environments.filter(Boolean);
  const message = o.message ?? `deploy ${app}${named.length ? ` (${named.join(', ')})` : ''}`;
  const commit = await commitAll(top, directories, message, o.author);
  if (commit && o.push) await push(top);
  return { commit, directories, objects };
}
