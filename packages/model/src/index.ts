// Objects, errors, labels and YAML with positions: the part of the model plain manifests need.
export * from './core.js';
export { mergeOverlay } from './environments.js';
export { errorCatalogMarkdown } from './errors.js';
export { type FieldHelp, fieldHelp } from './field-help.js';
export { type LoadedApp, type LoadOptions, loadApp, type SpecInput } from './load.js';
export { referenceMarkdown } from './reference.js';
export {
  DEFAULT_RESOURCE_PORTS,
  type PlaceholderProblem,
  PROVISIONABLE,
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
