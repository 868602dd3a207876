import { readFile } from 'node:fs/promises';
import { homedir } from 'node:os';
import { delimiter, dirname, isAbsolute, join, resolve } from 'node:path';
import { NimbusError } from '@nimbus/model';
import { parse } from 'yaml';

/** Everything needed to talk to one API server as one user. */
export interface ClusterAccess {
  server: string;
  contextName: string;
  /** Namespace the context defaults to. */
  namespace: string;
  ca?: Buffer;
  cert?: Buffer;
  key?: Buffer;
  token?: string;
  insecureSkipTlsVerify: boolean;
  tlsServerName?: string;
}

export interface KubeconfigOptions {
  /** Explicit kubeconfig file (kubectl --kubeconfig). */
  kubeconfig?: string;
  /** Context name (kubectl --context). */
  context?: string;
  env?: NodeJS.ProcessEnv;
}

type Named<T> = { name: string } & T;
interface KubeconfigFile {
  'current-context'?: string;
  clusters?: Named<{ cluster?: Record<string, unknown> }>[];
  users?: Named<{ user?: Record<string, unknown> }>[];
  contexts?: Named<{ context?: { cluster?: string; user?: string; namespace?: string } }>[];
}

const SERVICE_ACCOUNT_DIR = '/var/run/secrets/kubernetes.io/serviceaccount';

const fail = (message: string, hint?: string, cause?: unknown) => new NimbusError('NIMBUS_KUBECONFIG', message, { hint, cause });

async function readMaybe(path: string | undefined, base: string): Promise<Buffer | undefined> {
  if (!path) return undefined;
  const full = isAbsolute(path) ? path : resolve(base, path);
  try {
    return await readFile(full);
  } catch (cause) {
    throw fail(`cannot read ${full} named in the kubeconfig`, undefined, cause);
  }
}

const b64 = (v: unknown) => (typeof v === 'string' ? Buffer.from(v, 'base64') : undefined);

/**
 * Resolves cluster access the way kubectl does: --kubeconfig, else $KUBECONFIG
 * (first file that has the context), else ~/.kube/config, else in-cluster
 * service-account credentials.
 */
export async function loadClusterAccess(options: KubeconfigOptions = {}): Promise<ClusterAccess> {
  const env = options.env ?? process.env;
  const candidates = options.kubeconfig
    ? [options.kubeconfig]
    : env.KUBECONFIG
      ? env.KUBECONFIG.split(delimiter).filter(Boolean)
      : [join(homedir(), '.kube', 'config')];
  for (const path of candidates) {
    let text: string;
    try {
      text = await readFile(path, 'utf8');
    } catch (cause) {
      if (options.kubeconfig) throw fail(`cannot read kubeconfig ${path}`, undefined, cause);
      continue;
    }
    const access = await fromKubeconfig(text, dirname(path), options.context);
    if (access) return access;
  }
  if (!options.kubeconfig && env.KUBERNETES_SERVICE_HOST) return inCluster(env);
  throw fail(options.context ? `no kubeconfig defines context '${options.context}'` : 'no kubeconfig found');
}

async function fromKubeconfig(text: string, base: string, contextName?: string): Promise<ClusterAccess | undefined> {
  let cfg: KubeconfigFile;
  try {
    cfg = (parse(text) ?? {}) as KubeconfigFile;
  } catch (cause) {
    throw fail('the kubeconfig is not valid YAML', undefined, cause);
  }
  const name = contextName ?? cfg['current-context'];
  if (!name) throw fail('the kubeconfig has no current-context', 'pass --context NAME');
  const ctx = cfg.contexts?.find((c) => c.name === name)?.context;
  if (!ctx) return undefined;
  const cluster = cfg.clusters?.find((c) => c.name === ctx.cluster)?.cluster;
  if (!cluster || typeof cluster.server !== 'string') throw fail(`context '${name}' names cluster '${ctx.cluster}', which has no server`);
  const user = cfg.users?.find((u) => u.name === ctx.user)?.user ?? {};
  if (user.exec || user['auth-provider']) {
    throw fail(
      `context '${name}' uses an exec or auth-provider plugin, which Nimbus does not run`,
      'use a context with certificates or a token',
    );
  }
  const tokenFile = await readMaybe(user.tokenFile as string | undefined, base);
  return {
    server: cluster.server.replace(/\/+$/, ''),
    contextName: name,
    namespace: ctx.namespace ?? 'default',
    ca: b64(cluster['certificate-authority-data']) ?? (await readMaybe(cluster['certificate-authority'] as string | undefined, base)),
    cert: b64(user['client-certificate-data']) ?? (await readMaybe(user['client-certificate'] as string | undefined, base)),
    key: b64(user['client-key-data']) ?? (await readMaybe(user['client-key'] as string | undefined, base)),
    token: (user.token as string | undefined) ?? tokenFile?.toString('utf8').trim(),
    insecureSkipTlsVerify: cluster['insecure-skip-tls-verify'] === true,
    tlsServerName: cluster['tls-server-name'] as string | undefined,
  };
}

async function inCluster(env: NodeJS.ProcessEnv): Promise<ClusterAccess> {
  const host = env.KUBERNETES_SERVICE_HOST as string;
  const port = env.KUBERNETES_SERVICE_PORT ?? '443';
  const [token, ca, namespace] = await Promise.all([
    readMaybe(join(SERVICE_ACCOUNT_DIR, 'token'), '/'),
    readMaybe(join(SERVICE_ACCOUNT_DIR, 'ca.crt'), '/'),
    readMaybe(join(SERVICE_ACCOUNT_DIR, 'namespace'), '/'),
  ]);
  return {
    server: `https://${host.includes(':') ? `[${host}]` : host}:${port}`,
    contextName: 'in-cluster',
    namespace: namespace?.toString('utf8').trim() || 'default',
    ca,
    token: token?.toString('utf8').trim(),
    insecureSkipTlsVerify: false,
  };
}
