/**
 * Every label and annotation key Nimbus writes or reads, in one place. These are
 * load-bearing: changing one orphans live objects.
 */
export const LABELS = {
  name: 'app.kubernetes.io/name',
  instance: 'app.kubernetes.io/instance',
  partOf: 'app.kubernetes.io/part-of',
  component: 'app.kubernetes.io/component',
  version: 'app.kubernetes.io/version',
  managedBy: 'app.kubernetes.io/managed-by',
  service: 'nimbus.dev/service',
  /** stable or canary, on pods of a service split for progressive delivery. */
  track: 'nimbus.dev/track',
  /** On release records: the app they belong to. */
  release: 'nimbus.dev/release',
  revision: 'nimbus.dev/revision',
  releaseStatus: 'nimbus.dev/status',
} as const;

export const ANNOTATIONS = {
  configHash: 'nimbus.dev/config-hash',
  specFile: 'nimbus.dev/spec',
  /** Rule ids (comma-separated) `nimbus check` skips for this object. */
  ignore: 'nimbus.dev/ignore',
  /** On a Deployment: its rollout policy (JSON); a new version is then delivered as a canary. */
  rollout: 'nimbus.dev/rollout',
  /**
   * On a backing service Nimbus runs: the Secret its credentials live in, and the user name (JSON).
   * `nimbus deploy` creates that Secret with a generated password when it does not exist.
   */
  credentials: 'nimbus.dev/credentials',
} as const;

/** The value of `app.kubernetes.io/managed-by` on everything Nimbus applies. */
export const MANAGED_BY = 'nimbus';

/** The selector of one service's pods, from the labels render writes. */
export const serviceSelector = (app: string, service: string) => `${LABELS.instance}=${app},${LABELS.name}=${service}`;
