export { readAdvisories } from './advisories.js';
export { inspectBuildContexts, sdkServices, structuredLogEvidence } from './build-contexts.js';
export { type CheckResult, checkFiles } from './check-files.js';
export { readCheckConfig } from './check-settings.js';
export {
  BUNDLE_MARKER,
  type BundleOptions,
  readSpecInputs,
  resolveSpecPaths,
  scoreFileReader,
  type WriteOptions,
  writeFilesAtomically,
  writeOutputFile,
} from './files.js';
export { type LoadedManifests, type LoadManifestOptions, loadManifests, pathSegments, type SkippedInput } from './manifests.js';
export { checkRendered, type LoadOptions, loadAndRender, loadSpec, type Rendered } from './pipeline.js';
export { resolveAppRef, resolveTarget, type Target, type TargetOptions } from './target.js';
