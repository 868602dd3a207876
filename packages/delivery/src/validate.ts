import { validateSchemas } from '@nimbus/check';
import { KubeApiError, type KubeClient } from '@nimbus/kube';
import { type Diagnostic, type KubeObject, mapConcurrent, NimbusError } from '@nimbus/model';

const describe = (o: KubeObject) => `${o.kind} ${o.metadata.namespace ? `${o.metadata.namespace}/` : ''}${o.metadata.name}`;

/**
 * Validates the whole set before anything is applied: against the Kubernetes
 * schemas, then as a server-side dry run (admission included) for every object
 * the server can already judge. Throws one error listing every problem.
 */
export async function validateBeforeApply(client: KubeClient, objects: readonly KubeObject[], concurrency: number): Promise<void> {
  const problems: Diagnostic[] = validateSchemas(objects)
    .filter((f) => f.severity === 'error')
    .map((f) => ({ code: 'NIMBUS_INVALID_OBJECTS', message: `${f.resource?.kind} ${f.resource?.name}: ${f.message}`, path: f.path }));
  if (problems.length)
    throw new NimbusError('NIMBUS_INVALID_OBJECTS', `${problems.length} invalid objects; nothing was applied`, { diagnostics: problems });

  // Objects whose CRD or namespace arrives with this very deploy cannot be judged by the server yet.
  const crdKinds = new Set(
    objects
      .filter((o) => o.kind === 'CustomResourceDefinition')
      .map((o) => `${(o.spec as { group?: string })?.group}|${(o.spec as { names?: { kind?: string } })?.names?.kind}`),
  );
  const namespaces = [...new Set(objects.map((o) => o.metadata.namespace).filter((n): n is string => !!n))];
  const existing = new Set<string>();
  for (const ns of namespaces) if (await client.get({ apiVersion: 'v1', kind: 'Namespace', name: ns })) existing.add(ns);
  const judgeable = objects.filter(
    (o) => !crdKinds.has(`${o.apiVersion.split('/')[0]}|${o.kind}`) && (!o.metadata.namespace || existing.has(o.metadata.namespace)),
  );
  const results = await mapConcurrent(judgeable, concurrency, async (o): Promise<Diagnostic | undefined> => {
    try {
      await client.apply(o, { dryRun: true });
      return undefined;
    } catch (err) {
      if (err instanceof KubeApiError && err.code !== 'NIMBUS_KUBE_UNREACHABLE' && err.code !== 'NIMBUS_KUBE_FORBIDDEN') {
        return { code: 'NIMBUS_INVALID_OBJECTS', message: `${describe(o)}: ${err.message}` };
      }
      throw err;
    }
  });
  const rejected = results.filter((d): d is Diagnostic => d !== undefined);
  if (rejected.length)
    throw new NimbusError('NIMBUS_INVALID_OBJECTS', `the server rejects ${rejected.length} objects; nothing was applied`, {
      diagnostics: rejected,
    });
}
