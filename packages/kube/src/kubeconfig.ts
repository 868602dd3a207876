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

function parseKubeconfig(text: string): KubeconfigFile {
  try {
    return (parse(text) ?? {}) as KubeconfigFile;
  } catch (cause) {
    throw fail('the kubeconfig is not valid YAML', undefined, cause);
  }
}

function refuseAuthProvider(user: Record<string, unknown>, context: string): void {
  if (user['auth-provider'])
    throw fail(
      `context '${context}' uses a legacy auth-provider plugin, which Kubernetes removed`,
      'use an exec credential plugin (e.g. kubelogin, gke-gcloud-auth-plugin) or certificates',
    );
}

async function fromKubeconfig(text: string, base: string, contextName?: string): Promise<ClusterAccess | undefined> {
  const cfg = parseKubeconfig(text);
  const name = contextName ?? cfg['current-context'];
  if (!name) throw fail('the kubeconfig has no current-context', 'pass --context NAME');
  const ctx = cfg.contexts?.find((c) => c.name === name)?.context;
  if (!ctx) return undefined;
  const cluster = cfg.clusters?.find((c) => c.name === ctx.cluster)?.cluster;
  if (!cluster || typeof cluster.server !== 'string') throw fail(`context '${name}' names cluster '${ctx.cluster}', which has no server`);
  const user = cfg.users?.find((u) => u.name === ctx.user)?.user ?? {};
  refuseAuthProvider(user, name);
  const tokenFile = await readMaybe(user.tokenFile as string | undefined, base);
  const credential = user.exec ? await runExecPlugin(user.exec as ExecConfig, name, cluster, base) : undefined;
  const access: ClusterAccess = {
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
  if (credential) applyCredential(access, credential, () => runExecPlugin(user.exec as ExecConfig, name, cluster, base));
  return access;
}

/** A plugin's credential over the kubeconfig's own; a token that expires is fetched again in time. */
function applyCredential(access: ClusterAccess, credential: ExecCredentialResult, refetch: () => Promise<ExecCredentialResult>): void {
  access.token = credential.token ?? access.token;
  access.cert = credential.cert ?? access.cert;
  access.key = credential.key ?? access.key;
  if (credential.token && credential.expiresAt) refreshBeforeExpiry(access, credential.expiresAt, refetch);
}

/** A kubeconfig `users[].user.exec`: the credential plugins of EKS, GKE, AKS and OIDC logins. */
interface ExecConfig {
  apiVersion?: string;
  command?: string;
  args?: string[];
  env?: { name: string; value: string }[] | null;
  installHint?: string;
  provideClusterInfo?: boolean;
  interactiveMode?: 'Never' | 'IfAvailable' | 'Always';
}

interface ExecCredentialResult {
  token?: string;
  cert?: Buffer;
  key?: Buffer;
  expiresAt?: number;
}

/**
 * Runs an exec credential plugin as kubectl does (client.authentication.k8s.io ExecCredential):
 * non-interactively, with KUBERNETES_EXEC_INFO, the cluster's details when asked for, and its
 * own environment entries. Its token or client certificate is used like the kubeconfig's own.
 */
async function runExecPlugin(
  exec: ExecConfig,
  context: string,
  cluster: Record<string, unknown>,
  base: string,
): Promise<ExecCredentialResult> {
  const { execFile } = await import('node:child_process');
  if (!exec.command) throw fail(`context '${context}': its exec plugin has no command`);
  if (exec.interactiveMode === 'Always')
    throw fail(
      `context '${context}': its credential plugin needs a terminal (interactiveMode: Always)`,
      'log in with it first, or use a context that does not ask',
    );
  const apiVersion = exec.apiVersion ?? 'client.authentication.k8s.io/v1';
  const spec: Record<string, unknown> = { interactive: false };
  if (exec.provideClusterInfo)
    spec.cluster = {
      server: cluster.server,
      'certificate-authority-data': cluster['certificate-authority-data'],
      'insecure-skip-tls-verify': cluster['insecure-skip-tls-verify'],
      'tls-server-name': cluster['tls-server-name'],
    };
  const command = exec.command.includes('/') && !isAbsolute(exec.command) ? resolve(base, exec.command) : exec.command;
  const env = { ...process.env, ...Object.fromEntries((exec.env ?? []).map((e) => [e.name, e.value])) };
  env.KUBERNETES_EXEC_INFO = JSON.stringify({ apiVersion, kind: 'ExecCredential', spec });
  const stdout = await new Promise<string>((done, reject) => {
    execFile(command, exec.args ?? [], { env, timeout: 60_000, maxBuffer: 4 << 20 }, (err, out, errText) => {
      if (!err) return done(out);
      const why =
        (err as NodeJS.ErrnoException).code === 'ENOENT'
          ? `${exec.command} is not installed`
          : (errText || err.message).trim().split('\n').slice(-3).join(' ');
      reject(fail(`context '${context}': the credential plugin failed: ${why}`, exec.installHint?.trim()));
    });
  });
  let status: { token?: string; clientCertificateData?: string; clientKeyData?: string; expirationTimestamp?: string } | undefined;
  try {
    status = (JSON.parse(stdout) as { status?: typeof status }).status;
  } catch {
    throw fail(`context '${context}': the credential plugin did not print an ExecCredential (JSON)`);
  }
  if (!status?.token && !(status?.clientCertificateData && status.clientKeyData))
    throw fail(`context '${context}': the credential plugin gave neither a token nor a client certificate`);
  return {
    token: status.token,
    cert: status.clientCertificateData ? Buffer.from(status.clientCertificateData) : undefined,
    key: status.clientKeyData ? Buffer.from(status.clientKeyData) : undefined,
    expiresAt: status.expirationTimestamp ? Date.parse(status.expirationTimestamp) : undefined,
  };
}

/** Long-running commands (`nimbus sync`) outlive a plugin's token: it is fetched again a minute before it expires. */
function refreshBeforeExpiry(access: ClusterAccess, expiresAt: number, fetch: () => Promise<ExecCredentialResult>): void {
  const timer = setTimeout(
    async () => {
      try {
        const next = await fetch();
        if (next.token) access.token = next.token;
        if (next.expiresAt) refreshBeforeExpiry(access, next.expiresAt, fetch);
      } catch {
        // The old token is used until the server refuses it; the error then names the context.
      }
    },
    Math.max(1000, expiresAt - Date.now() - 60_000),
  );
  timer.unref();
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
