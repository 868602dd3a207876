import { readFile } from 'node:fs/promises';
import { basename } from 'node:path';
import { KubeApiError, type KubeClient } from '@nimbus/kube';
import { type KubeObject, NimbusError } from '@nimbus/model';
import { canonicalJson, contentHash } from '@nimbus/render';

/** Field manager for the pod-template annotation that rolls workloads after a config change. */
export const CONFIG_ROLLER = 'nimbus-config';

/** Parses a .env file: KEY=value lines, # comments, optional quotes, `export ` prefix. Pure. */
export function parseEnvFile(text: string, file = '.env'): Record<string, string> {
  const out: Record<string, string> = {};
  text.split(/\r?\n/).forEach((raw, i) => {
    const line = raw.trim();
    if (!line || line.startsWith('#')) return;
    const m = /^(?:export\s+)?([A-Za-z_][A-Za-z0-9_.-]*)\s*=\s*(.*)$/.exec(line);
    if (!m) throw new NimbusError('NIMBUS_SPEC_SYNTAX', `${file}:${i + 1}: expected KEY=value`, { location: { file, line: i + 1 } });
    let value = m[2] as string;
    if (/^".*"$/.test(value)) value = value.slice(1, -1).replace(/\\n/g, '\n').replace(/\\"/g, '"');
    else if (/^'.*'$/.test(value)) value = value.slice(1, -1);
    else value = value.replace(/\s+#.*$/, '');
    out[m[1] as string] = value;
  });
  return out;
}

/** A Secret as metadata only: what Nimbus returns and prints, so no value leaves this module. */
function withoutValues(secret: KubeObject): KubeObject {
  const { data: _d, stringData: _s, ...rest } = secret as KubeObject & { data?: unknown; stringData?: unknown };
  return { ...rest, keys: Object.keys((secret as { data?: Record<string, string> }).data ?? {}).sort() } as KubeObject;
}

/**
 * The seed's configuration operations: ConfigMaps and Secrets from literals,
 * files or .env files, updates that merge (also into an object with no data),
 * base64 done here, and workloads that use a changed object rolled.
 */
export class ConfigManager {
  constructor(private readonly client: KubeClient) {}

  /** A ConfigMap from files (key = file name) and .env files (one key per variable). */
  async createConfigMapFromFiles(name: string, namespace: string, sources: { files?: string[]; envFiles?: string[] }): Promise<KubeObject> {
    const data: Record<string, string> = {};
    for (const f of sources.envFiles ?? []) Object.assign(data, parseEnvFile(await readFile(f, 'utf8'), f));
    for (const f of sources.files ?? []) data[basename(f)] = await readFile(f, 'utf8');
    return this.createConfigMap(name, namespace, data);
  }

  createConfigMap(name: string, namespace: string, data: Record<string, string>): Promise<KubeObject> {
    return this.client.apply({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name, namespace }, data });
  }

  /** Values are plain text; encoding is done here. The returned object carries key names only. */
  async createSecret(name: string, namespace: string, data: Record<string, string>, type = 'Opaque'): Promise<KubeObject> {
    const encoded = Object.fromEntries(Object.entries(data).map(([k, v]) => [k, Buffer.from(v, 'utf8').toString('base64')]));
    return withoutValues(await this.client.apply({ apiVersion: 'v1', kind: 'Secret', type, metadata: { name, namespace }, data: encoded }));
  }

  /** Merges keys into a ConfigMap (`null` removes a key) and rolls the workloads that use it. */
  async updateConfigMap(
    name: string,
    namespace: string,
    changes: Record<string, string | null>,
  ): Promise<{ configMap: KubeObject; rolled: string[] }> {
    const live = await this.client.get({ apiVersion: 'v1', kind: 'ConfigMap', namespace, name });
    if (!live) throw new KubeApiError('NIMBUS_KUBE_NOT_FOUND', `ConfigMap ${namespace}/${name} does not exist`, 404, 'NotFound', undefined);
    const data: Record<string, string> = { ...((live as { data?: Record<string, string> }).data ?? {}) };
    for (const [k, v] of Object.entries(changes)) {
      if (v === null) delete data[k];
      else data[k] = v;
    }
    const configMap = await this.client.apply({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name, namespace }, data });
    const rolled = await this.rollUsers('ConfigMap', name, namespace, contentHash(canonicalJson(data)));
    return { configMap, rolled };
  }

  /**
   * Stamps the pod template of every Deployment, StatefulSet and DaemonSet that
   * reads the object (env, envFrom, volumes) with its content hash, so they roll.
   */
  async rollUsers(kind: 'ConfigMap' | 'Secret', name: string, namespace: string, hash: string): Promise<string[]> {
    const rolled: string[] = [];
    for (const [apiVersion, workloadKind] of [
      ['apps/v1', 'Deployment'],
      ['apps/v1', 'StatefulSet'],
      ['apps/v1', 'DaemonSet'],
    ] as const) {
      for (const w of await this.client.list({ apiVersion, kind: workloadKind, namespace })) {
        if (!usesObject(w, kind, name)) continue;
        await this.client.applyAs(CONFIG_ROLLER, {
          apiVersion,
          kind: workloadKind,
          metadata: { name: w.metadata.name, namespace },
          spec: { template: { metadata: { annotations: { [`nimbus.dev/${kind.toLowerCase()}-${name}`]: hash } } } },
        });
        rolled.push(`${workloadKind}/${w.metadata.name}`);
      }
    }
    return rolled;
  }
}

function usesObject(workload: KubeObject, kind: 'ConfigMap' | 'Secret', name: string): boolean {
  const pod = (workload.spec as { template?: { spec?: Record<string, unknown> } } | undefined)?.template?.spec ?? {};
  const text = JSON.stringify(pod);
  const ref = kind === 'ConfigMap' ? ['configMapRef', 'configMapKeyRef', 'configMap'] : ['secretRef', 'secretKeyRef', 'secret'];
  return ref.some((key) => new RegExp(`"${key}":\\{[^}]*"(name|secretName)":"${name.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}"`).test(text));
}
