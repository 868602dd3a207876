import { readFileSync } from 'node:fs';
import { relative } from 'node:path';
import { NimbusError } from '@nimbus/model';
import type { SkippedInput } from '@nimbus/project';
import { parse } from 'yaml';

/** A kustomization that only lists the files beside it (as `nimbus render --out` writes) means the files themselves. */
const PLAIN_KUSTOMIZATION_KEYS = new Set(['apiVersion', 'kind', 'resources']);

function plainKustomization(file: string): boolean {
  try {
    const doc = parse(readFileSync(file, 'utf8')) as Record<string, unknown> | null;
    if (!doc || typeof doc !== 'object') return false;
    const resources = Array.isArray(doc.resources) ? doc.resources : [];
    return (
      Object.keys(doc).every((k) => PLAIN_KUSTOMIZATION_KEYS.has(k)) && resources.every((r) => typeof r === 'string' && !r.includes('/'))
    );
  } catch {
    return false;
  }
}

/**
 * A Git path sync cannot apply as it is. Plain manifests with files that are not objects are fine
 * for `kubectl apply -f`, but a GitOps source means what its tool builds: a Helm chart's templates
 * or a kustomization with prefixes, patches or bases produce other objects than the raw files, and
 * applying the raw files would put something in the cluster nobody wrote. Such a path, or one
 * holding no object at all, is refused with what to commit instead.
 */
export function refuseUnbuilt(dir: string, objects: number, skipped: readonly SkippedInput[]): void {
  const where = (f: string) => relative(dir, f) || f;
  const helm = skipped.find((s) => /Helm|template/.test(s.reason));
  if (helm)
    throw new NimbusError('NIMBUS_SYNC_SOURCE', `the path holds a Helm chart (${where(helm.file)}), which sync does not render`, {
      hint: 'commit its rendered output (helm template …) to Git, or point the app at a nimbus.yaml or plain manifests',
    });
  const kustomization = skipped.find((s) => s.reason.startsWith('a kustomization') && !plainKustomization(s.file));
  if (kustomization)
    throw new NimbusError(
      'NIMBUS_SYNC_SOURCE',
      `the path holds a kustomization (${where(kustomization.file)}) that changes what it lists, which sync does not build`,
      {
        hint: 'commit the output of `kubectl kustomize DIR` to Git, or keep the kustomization to a list of resources',
      },
    );
  if (objects === 0)
    throw new NimbusError(
      'NIMBUS_SYNC_SOURCE',
      `the path holds no Kubernetes object${skipped.length ? ` (${skipped.length} inputs passed over)` : ''}`,
      {
        hint: 'check the app’s source path and revision',
      },
    );
}
