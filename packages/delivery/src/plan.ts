import type { ObjectRef } from '@nimbus/kube';
import { type KubeObject, objectKey } from '@nimbus/render';

/** Kinds applied (and waited for) before anything else: what other objects need to exist. */
const FIRST_KINDS = new Set(['CustomResourceDefinition', 'Namespace']);

export interface Stage {
  name: string;
  objects: KubeObject[];
}

/** What a deploy will do, as data: `nimbus deploy --dry-run` prints it. */
export interface Plan {
  stages: Stage[];
  /** Objects the previous revision applied that this one no longer renders. */
  prune: ObjectRef[];
  /** Prune candidates held back: Namespaces (deleting one deletes everything in it) unless forced. */
  keep: ObjectRef[];
}

export interface PlanInput {
  desired: readonly KubeObject[];
  /** Objects of the last successful revision (the inventory). */
  previous: readonly KubeObject[];
  force?: boolean;
}

export const refOfObject = (o: KubeObject): ObjectRef => ({
  apiVersion: o.apiVersion,
  kind: o.kind,
  name: o.metadata.name,
  ...(o.metadata.namespace ? { namespace: o.metadata.namespace } : {}),
});

/**
 * Plans a deploy. Pure. Prune is exactly previous − desired: never an object
 * Nimbus did not apply itself, never a Namespace unless forced.
 */
export function planDeploy(input: PlanInput): Plan {
  const first = input.desired.filter((o) => FIRST_KINDS.has(o.kind));
  const rest = input.desired.filter((o) => !FIRST_KINDS.has(o.kind));
  const wanted = new Set(input.desired.map(objectKey));
  const stale = input.previous.filter((o) => !wanted.has(objectKey(o)));
  const prune = stale.filter((o) => input.force || o.kind !== 'Namespace').map(refOfObject);
  const keep = stale.filter((o) => !input.force && o.kind === 'Namespace').map(refOfObject);
  // Delete in reverse apply order: dependents before what they depend on.
  prune.reverse();
  return {
    stages: [
      ...(first.length ? [{ name: 'namespaces and CRDs', objects: first }] : []),
      ...(rest.length ? [{ name: 'resources', objects: rest }] : []),
    ],
    prune,
    keep,
  };
}

/** Whether a plan would delete everything the previous revision had: refused without --force. */
export function prunesEverything(plan: Plan, previous: readonly KubeObject[]): boolean {
  return previous.length > 0 && plan.prune.length + plan.keep.length === previous.length;
}
