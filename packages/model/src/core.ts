/**
 * The part of the model that plain manifests need (objects, errors, labels,
 * YAML with positions) without the spec schema, whose validation library is
 * the costliest module to load: `nimbus check -f` and the check rules start
 * from here.
 */
export { mapConcurrent } from './concurrency.js';
export {
  type Diagnostic,
  ERROR_CATALOG,
  type ErrorCode,
  formatLocation,
  isNimbusError,
  NimbusError,
  type NimbusErrorOptions,
  type SourceLocation,
} from './errors.js';
export { ANNOTATIONS, LABELS, MANAGED_BY, serviceSelector } from './labels.js';
export { describeRef, type KubeObject, type ObjectMeta, type ObjectRef, objectKey, refKey, refOf } from './object.js';
export { closestName, editDistance } from './suggest.js';
export { formatPath, type ParsedYaml, type PathSegment, parseYamlSource, type SourceDocument } from './yaml-source.js';
