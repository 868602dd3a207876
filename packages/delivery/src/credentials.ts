import { randomBytes } from 'node:crypto';
import type { KubeClient } from '@nimbus/kube';
import { ANNOTATIONS, type KubeObject, LABELS, MANAGED_BY, type ObjectRef } from '@nimbus/model';

/** What a provisioned backing service asks for: the Secret of its credentials and the user name in it. */
interface CredentialsRequest {
  secret: string;
  username: string;
}

function requestOf(o: KubeObject): CredentialsRequest | undefined {
  const raw = o.metadata.annotations?.[ANNOTATIONS.credentials];
  if (!raw) return undefined;
  try {
    const r = JSON.parse(raw) as Partial<CredentialsRequest>;
    return typeof r.secret === 'string' && typeof r.username === 'string' ? { secret: r.secret, username: r.username } : undefined;
  } catch {
    return undefined;
  }
}

/**
 * The credentials Secrets the objects ask for, created with a generated
 * password where they do not exist yet. An existing Secret is never changed
 * (the data already written with it depends on it), the password is never
 * printed or logged, and the Secret is not part of a release: no prune or
 * rollback removes it; deleting the namespace does.
 */
export async function ensureCredentials(
  client: KubeClient,
  objects: readonly KubeObject[],
): Promise<{ ref: ObjectRef; created: boolean }[]> {
  const out: { ref: ObjectRef; created: boolean }[] = [];
  for (const o of objects) {
    const request = requestOf(o);
    if (!request) continue;
    const ref: ObjectRef = { apiVersion: 'v1', kind: 'Secret', namespace: o.metadata.namespace, name: request.secret };
    if (out.some((r) => r.ref.name === ref.name && r.ref.namespace === ref.namespace)) continue;
    const exists = (await client.get(ref)) !== undefined;
    if (!exists)
      await client.create({
        apiVersion: 'v1',
        kind: 'Secret',
        metadata: {
          name: request.secret,
          namespace: o.metadata.namespace,
          labels: { [LABELS.managedBy]: MANAGED_BY, [LABELS.instance]: o.metadata.labels?.[LABELS.instance] ?? '' },
        },
        type: 'Opaque',
        stringData: { username: request.username, password: randomBytes(24).toString('base64url') },
      } as KubeObject);
    out.push({ ref, created: !exists });
  }
  return out;
}
