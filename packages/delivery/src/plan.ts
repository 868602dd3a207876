import { type KubeObject, type ObjectRef, objectKey, refOf } from '@nimbus/model';
import type { Release } from './releases.js';

/** Kinds applied (and waited for) before anything else: what other objects need to exist. */
const FIRST_KINDS = new Set(['CustomResourceDefinition', 'Namespace']);

/** Kinds whose health a deploy waits for; the rest are healthy once the server stored them. */
const WAIT_KINDS = new Set([
  'Deployment',
  'StatefulSet',
  'DaemonSet',
  'Job',
  'PersistentVolumeClaim',
  'CustomResourceDefinition',
  'Namespace',
  'Service',
]);

export const FIRST_STAGE = 'namespaces and CRDs';

export interface Stage {
  name: string;
  objects: KubeObject[];
  /** Wait for these objects to be healthy before the next stage (new CRDs must serve before their objects apply). */
  settle: boolean;
}

/** What a deploy will do, as data: `nimbus deploy --dry-run` prints it and `nimbus diff` shows its deletions. */
export interface Plan {
  app: string;
  /** Namespace holding the app's releases and lock. */
  namespace: string;
  /** The revision this deploy records. */
  revision: number;
  /** The last deployed revision: the prune inventory, and what `--atomic` returns to. */
  previous?: { revision: number; objects: KubeObject[] };
  /** The Namespace object that must exist before the lock and the release records: the app's own, or a bare one. */
  namespaceObject: KubeObject;
  /** Every desired object, in the order given: the release's inventory. */
  objects: KubeObject[];
  stages: Stage[];
  /** Objects the previous revision applied that this one no longer renders, dependents first. */
  prune: ObjectRef[];
  /** Prune candidates held back: Namespaces (deleting one deletes everything in it) unless forced. */
  keep: ObjectRef[];
  /** Objects whose health the deploy waits for. */
  waitFor: ObjectRef[];
  /** Set when the plan must not run as it is; the executor refuses it with this reason. */
  refusal?: string;
}

export interface PlanInput {
  app: string;
  namespace: string;
  desired: readonly KubeObject[];
  /** The app's release history, oldest first. */
  history: readonly Pick<Release, 'revision' | 'status' | 'objects'>[];
  /** Allow pruning everything, Namespaces included. */
  force?: boolean;
  /** Delete what the previous revision had and this one lacks (default true); when false such objects stay, no longer tracked. */
  prune?: boolean;
}

/**
 * Plans a release. Pure. Prune is exactly previous − desired: never an object
 * Nimbus did not apply itself, never a Namespace unless forced, and a plan
 * that would delete everything the previous revision had is refused unless forced.
 */
export function planRelease(input: PlanInput): Plan {
  const last = input.history.filter((r) => r.status === 'deployed').pop();
  const previousObjects = last?.objects ?? [];
  const first = input.desired.filter((o) => FIRST_KINDS.has(o.kind));
  const rest = input.desired.filter((o) => !FIRST_KINDS.has(o.kind));
  const wanted = new Set(input.desired.map(objectKey));
  const stale = input.prune === false ? [] : previousObjects.filter((o) => !wanted.has(objectKey(o)));
  const heldBack = (o: KubeObject) => !input.force && o.kind === 'Namespace';
  // Delete in reverse apply order: dependents before what they depend on.
  const prune = stale
    .filter((o) => !heldBack(o))
    .map(refOf)
    .reverse();
  const keep = stale.filter(heldBack).map(refOf);
  const prunesAll = previousObjects.length > 0 && stale.length === previousObjects.length;
  return {
    app: input.app,
    namespace: input.namespace,
    revision: (input.history[input.history.length - 1]?.revision ?? 0) + 1,
    ...(last ? { previous: { revision: last.revision, objects: [...last.objects] } } : {}),
    namespaceObject: input.desired.find((o) => o.kind === 'Namespace' && o.metadata.name === input.namespace) ?? {
      apiVersion: 'v1',
      kind: 'Namespace',
      metadata: { name: input.namespace },
    },
    objects: [...input.desired],
    stages: [
      ...(first.length ? [{ name: FIRST_STAGE, objects: first, settle: true }] : []),
      ...(rest.length ? [{ name: 'resources', objects: rest, settle: false }] : []),
    ],
    prune,
    keep,
    waitFor: input.desired.filter((o) => WAIT_KINDS.has(o.kind)).map(refOf),
    ...(prunesAll && !input.force
      ? { refusal: `deploying this set would delete all ${previousObjects.length} objects of revision ${last?.revision}` }
      : {}),
  };
}

/** Plans a deploy against one previous inventory, for callers without a release history. */
export function planDeploy(input: { desired: readonly KubeObject[]; previous: readonly KubeObject[]; force?: boolean }): Plan {
  const history = input.previous.length ? [{ revision: 1, status: 'deployed' as const, objects: [...input.previous] }] : [];
  return planRelease({ app: '', namespace: '', desired: input.desired, history, force: input.force });
}

/** Whether a plan would delete everything the previous revision had. */
export function prunesEverything(plan: Pick<Plan, 'prune' | 'keep'>, previous: readonly KubeObject[]): boolean {
  return previous.length > 0 && plan.prune.length + plan.keep.length === previous.length;
}
