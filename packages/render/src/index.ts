export {
  type ArtifactOptions,
  argoApplication,
  BASE_IMAGES,
  type BuildContextInfo,
  type BuildLanguage,
  dockerfileFor,
  githubWorkflow,
  renderArtifacts,
} from './artifacts/index.js';
export { bundleFiles, objectFileName, objectsToJson, objectsToYaml, type RenderedFile } from './bundle.js';
export { canonicalJson, contentHash } from './hash.js';
export { GUARD_PORT, guardContract, guardContractFor } from './kubernetes/guard.js';
export { DEFAULT_SECURITY, restrictedContainerSecurityContext, restrictedPodSecurityContext } from './kubernetes/pod.js';
export { ANNOTATIONS, imageTag, LABELS, labelValue, MANAGED_BY } from './labels.js';
export { compareObjects, KIND_ORDER, type KubeObject, type ObjectMeta, objectKey } from './object.js';
export { type AlertRule, prometheusRule, serviceMonitors, serviceRules } from './observability/alerts.js';
export { grafanaDashboard } from './observability/dashboard.js';
export { CONTRACT as METRIC_CONTRACT, serviceQueries } from './observability/queries.js';
export { type RenderOptions, type RenderResult, renderApp } from './render.js';
export {
  imageRepository,
  NIMBUS_DEFAULTS,
  type ResolvedApp,
  type ResolvedJob,
  type ResolvedPort,
  type ResolvedProbe,
  type ResolvedService,
  type ResolveOptions,
  resolveApp,
} from './resolve.js';
export { compareKeys, isPlainSafe, toCanonicalJson, toYaml, toYamlStream } from './yaml.js';
