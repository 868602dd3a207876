export { CHECK_CONFIG_FILE, parseCheckConfig } from './check-config.js';
export {
  bundleCustomKinds,
  type CrdSchemaBundle,
  type CrdSource,
  type CustomKindSchema,
  customKindsOf,
  trimCrdSchema,
} from './crd-schema.js';
export { DOCKERFILE_RULES, lintDockerfile, parseDockerfile } from './dockerfile-lint.js';
export {
  applyRuleLevels,
  type CheckConfig,
  type CheckOptions,
  countFindings,
  type FindingCounts,
  IGNORE_ANNOTATION,
  type Locator,
  type RuleLevel,
  runChecks,
} from './engine.js';
export { compareFindings, type Finding, type ResourceRef, SEVERITY_RANK, type Severity, worstSeverity } from './finding.js';
export {
  explainRule,
  formatFindingsJson,
  formatFindingsSarif,
  formatFindingsText,
  formatScorecardText,
  formatTwelveFactorsText,
  type Paint,
} from './format.js';
export { DEPENDENCY_MANIFESTS, structuredLoggerIn } from './logging-evidence.js';
export { parseQuantity } from './quantity.js';
export { buildContext, type Rule, type RuleCategory, type RuleContext, type RuleHit } from './rule.js';
export { REMOVED_APIS } from './rules/api.js';
export { RULES } from './rules/index.js';
export * from './scan/index.js';
export { hasSchema, KUBERNETES_SCHEMA_VERSION, schemaValidatorsOrigin, validateSchemas } from './schema-validation.js';
export { type ComplexityTerm, computeScorecard, type Evidence, type Factor, type Scorecard, type ScorecardSignals } from './scorecard.js';
export { type FactorResult, type FactorVerdict, reviewTwelveFactors } from './twelve-factor.js';
