export { mapConcurrent } from './concurrency.js';
export { mergeOverlay } from './environments.js';
export {
  type Diagnostic,
  ERROR_CATALOG,
  type ErrorCode,
  errorCatalogMarkdown,
  formatLocation,
  isNimbusError,
  NimbusError,
  type NimbusErrorOptions,
  type SourceLocation,
} from './errors.js';
export { ANNOTATIONS, LABELS, MANAGED_BY, serviceSelector } from './labels.js';
export { type LoadedApp, type LoadOptions, loadApp, type SpecInput } from './load.js';
export { describeRef, type KubeObject, type ObjectMeta, type ObjectRef, objectKey, refKey, refOf } from './object.js';
export { referenceMarkdown } from './reference.js';
export {
  DEFAULT_RESOURCE_PORTS,
  type PlaceholderProblem,
  type ResolvedResource,
  resolveResource,
  resourceOutputs,
  type SecretOutputRef,
  secretEnvName,
  secretOutputsIn,
  substitutePlaceholders,
} from './references.js';
export {
  API_VERSION,
  type AppSpec,
  AppSpecSchema,
  appJsonSchema,
  type BackingResource,
  type CiSpec,
  type CronJobSpec,
  type DefaultsSpec,
  type GitOpsSpec,
  type GuardSpec,
  type JobSpec,
  type MeshSpec,
  type PortSpec,
  type ProbeSpec,
  type ProbesSpec,
  type ResourcesSpec,
  type RolloutSpec,
  type SecurityDefaults,
  type ServiceSpec,
  type TrafficSpec,
} from './schema.js';
export { SCORE_API_VERSION } from './score.js';
export { portName } from './semantics.js';
export { closestName, editDistance } from './suggest.js';
export { formatPath, type ParsedYaml, type PathSegment, parseYamlSource, type SourceDocument } from './yaml-source.js';
