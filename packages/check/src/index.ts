export { compareFindings, type Finding, type ResourceRef, SEVERITY_RANK, type Severity, worstSeverity } from './finding.js';
