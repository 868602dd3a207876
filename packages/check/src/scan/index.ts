export { type GateThreshold, gateFails, parseGateThreshold, vulnerabilityFinding } from './gate.js';
export { GO_BUILDINFO_MAGIC, type GoBuildInfo, GoBuildInfoScanner, type GoModule, goPackages, parseGoBuildInfo } from './go-buildinfo.js';
export {
  type AdvisorySeverity,
  inRange,
  matchAdvisories,
  type OsvAdvisory,
  type Package,
  SEVERITY_ORDER,
  type Vulnerability,
} from './osv.js';
export { cycloneDx, parseApkInstalled, parseDpkgStatus, purlOf } from './sbom.js';
export { hasTrivy, normalizeTrivy, trivyScan } from './trivy.js';
export { compareDebian, compareFor, compareSemver } from './versions.js';
