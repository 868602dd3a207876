import { gunzipSync, gzipSync } from 'node:zlib';
import { KubeApiError, type KubeClient } from '@nimbus/kube';
import { type KubeObject, LABELS, MANAGED_BY, NimbusError } from '@nimbus/model';

export type ReleaseStatus = 'pending' | 'deployed' | 'superseded' | 'failed';

/** One revision of an app: what was applied, when, and how it ended. Also the prune inventory. */
export interface Release {
  app: string;
  namespace: string;
  revision: number;
  status: ReleaseStatus;
  /** ISO time the revision was created. */
  createdAt: string;
  description: string;
  objects: KubeObject[];
}

/** Revisions kept per app, as Helm keeps 10. */
export const HISTORY_LIMIT = 10;

const SECRET_TYPE = 'nimbus.dev/release.v1';

export const releaseName = (app: string, revision: number) => `nimbus.release.${app}.v${revision}`;

/** Releases are stored as Secrets in the app's namespace, compressed, like Helm's. */
export class ReleaseStore {
  constructor(
    private readonly client: KubeClient,
    private readonly namespace: string,
    private readonly app: string,
  ) {}

  async list(): Promise<Release[]> {
    let secrets: KubeObject[];
    try {
      secrets = await this.client.list(
        { apiVersion: 'v1', kind: 'Secret', namespace: this.namespace },
        { labelSelector: `${LABELS.release}=${this.app}` },
      );
    } catch (err) {
      if (err instanceof KubeApiError && err.status === 404) return [];
      throw err;
    }
    return secrets.map(decode).sort((a, b) => a.revision - b.revision);
  }

  async get(revision: number): Promise<Release> {
    const found = (await this.list()).find((r) => r.revision === revision);
    if (!found) throw new NimbusError('NIMBUS_NO_RELEASE', `${this.app} has no revision ${revision}`);
    return found;
  }

  /** The last revision that deployed successfully: the inventory to prune against. */
  async lastDeployed(): Promise<Release | undefined> {
    return (await this.list()).filter((r) => r.status === 'deployed').pop();
  }

  async save(release: Release): Promise<void> {
    await this.client.apply(encode(release));
  }

  /** Marks earlier deployed revisions superseded and drops those beyond the history limit. */
  async settle(current: number): Promise<void> {
    const all = await this.list();
    for (const r of all) if (r.revision < current && r.status === 'deployed') await this.save({ ...r, status: 'superseded' });
    const excess = all.filter((r) => r.revision < current).slice(0, Math.max(0, all.length - HISTORY_LIMIT));
    for (const r of excess)
      await this.client.delete({ apiVersion: 'v1', kind: 'Secret', namespace: this.namespace, name: releaseName(this.app, r.revision) });
  }

  async deleteAll(): Promise<void> {
    for (const r of await this.list())
      await this.client.delete({ apiVersion: 'v1', kind: 'Secret', namespace: this.namespace, name: releaseName(this.app, r.revision) });
  }
}

function encode(r: Release): KubeObject {
  const payload = gzipSync(Buffer.from(JSON.stringify({ ...r, objects: r.objects }))).toString('base64');
  return {
    apiVersion: 'v1',
    kind: 'Secret',
    type: SECRET_TYPE,
    metadata: {
      name: releaseName(r.app, r.revision),
      namespace: r.namespace,
      labels: {
        [LABELS.release]: r.app,
        [LABELS.revision]: String(r.revision),
        [LABELS.releaseStatus]: r.status,
        [LABELS.managedBy]: MANAGED_BY,
      },
    },
    data: { release: payload },
  };
}

function decode(secret: KubeObject): Release {
  const data = (secret as { data?: { release?: string } }).data?.release ?? '';
  return JSON.parse(gunzipSync(Buffer.from(data, 'base64')).toString('utf8')) as Release;
}
