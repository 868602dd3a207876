import { readdir, readFile, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { NimbusError } from '@nimbus/model';
import { isMap, LineCounter, parseAllDocuments } from 'yaml';

/**
 * What `nimbus sync` keeps in step: an app, the namespace its releases live in, and where its
 * desired state is in Git — a directory holding a nimbus.yaml (rendered at sync time, with an
 * environment) or plain manifests.
 *
 *   apiVersion: nimbus.dev/v1alpha1
 *   kind: SyncApp
 *   metadata: { name: shop }
 *   spec:
 *     namespace: shop
 *     source: { repo: https://git.example.com/shop-deploy.git, revision: main, path: prod, environment: prod }
 */
export interface SyncApp {
  name: string;
  namespace: string;
  repo: string;
  /** Branch, tag or commit; default HEAD. */
  revision: string;
  /** Directory inside the repository. */
  path: string;
  environment: string | undefined;
  /** Delete what the previous release had and Git no longer does (default true). */
  prune: boolean;
  /** Repair live changes as soon as they are seen (default true). */
  selfHeal: boolean;
  /** Where it was defined, for messages. */
  source: string;
}

const NAME = /^[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?$/;

function appError(where: string, message: string): NimbusError {
  return new NimbusError('NIMBUS_SYNC_APP', `${where}: ${message}`);
}

function field(obj: Record<string, unknown>, key: string, where: string, required: true): string;
function field(obj: Record<string, unknown>, key: string, where: string, required?: false): string | undefined;
function field(obj: Record<string, unknown>, key: string, where: string, required = false): string | undefined {
  const value = obj[key];
  if (value === undefined || value === null) {
    if (required) throw appError(where, `\`${key}\` is missing`);
    return undefined;
  }
  if (typeof value !== 'string' || !value) throw appError(where, `\`${key}\` must be a non-empty string`);
  return value;
}

const flag = (value: unknown, where: string, key: string): boolean => {
  if (value === undefined) return true;
  if (typeof value !== 'boolean') throw appError(where, `\`${key}\` must be true or false`);
  return value;
};

/** One SyncApp document; `where` is file:line. */
export function parseSyncApp(doc: unknown, where: string): SyncApp {
  const o = (doc ?? {}) as { kind?: unknown; metadata?: Record<string, unknown>; spec?: Record<string, unknown> };
  if (o.kind !== 'SyncApp') throw appError(where, `expected kind SyncApp, found ${JSON.stringify(o.kind)}`);
  const name = field(o.metadata ?? {}, 'name', `${where} metadata`, true);
  if (!NAME.test(name)) throw appError(where, `'${name}' is not a valid app name (a DNS label)`);
  const spec = o.spec ?? {};
  const source = (spec.source ?? {}) as Record<string, unknown>;
  if (typeof spec.source !== 'object' || spec.source === null) throw appError(where, '`spec.source` is missing');
  const namespace = field(spec, 'namespace', `${where} spec`) ?? name;
  if (!NAME.test(namespace)) throw appError(where, `'${namespace}' is not a valid namespace`);
  return {
    name,
    namespace,
    repo: field(source, 'repo', `${where} spec.source`, true),
    revision: field(source, 'revision', `${where} spec.source`) ?? 'HEAD',
    path: field(source, 'path', `${where} spec.source`) ?? '.',
    environment: field(source, 'environment', `${where} spec.source`),
    prune: flag(spec.prune, where, 'spec.prune'),
    selfHeal: flag(spec.selfHeal, where, 'spec.selfHeal'),
    source: where,
  };
}

async function readSyncAppFile(file: string): Promise<SyncApp[]> {
  const text = await readFile(file, 'utf8');
  const lines = new LineCounter();
  const apps: SyncApp[] = [];
  for (const doc of parseAllDocuments(text, { lineCounter: lines })) {
    if (Array.isArray(doc)) continue;
    const where = `${file}:${lines.linePos(doc.contents?.range?.[0] ?? doc.range[0]).line}`;
    if (doc.errors.length) throw appError(where, `not valid YAML: ${doc.errors[0]?.message.split('\n')[0]}`);
    if (doc.contents === null) continue;
    if (!isMap(doc.contents)) throw appError(where, 'a SyncApp is a map');
    apps.push(parseSyncApp(doc.toJS(), where));
  }
  return apps;
}

/** Every SyncApp in a file or a directory of YAML files; names must be unique. */
export async function loadSyncApps(path: string): Promise<SyncApp[]> {
  const info = await stat(path).catch(() => undefined);
  if (!info) throw new NimbusError('NIMBUS_FILE_NOT_FOUND', `${path} does not exist`);
  const files = info.isDirectory()
    ? (await readdir(path))
        .filter((f) => /\.ya?ml$/.test(f))
        .sort()
        .map((f) => join(path, f))
    : [path];
  const apps = (await Promise.all(files.map(readSyncAppFile))).flat();
  const seen = new Map<string, string>();
  for (const app of apps) {
    const before = seen.get(app.name);
    if (before) throw appError(app.source, `app '${app.name}' is already defined at ${before}`);
    seen.set(app.name, app.source);
  }
  return apps;
}
