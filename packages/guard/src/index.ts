export { ContractError, DeclaredDestinations, type GuardContract, inCidr, parseContract } from './contract.js';
export {
  DEFAULT_GUARD_PORT,
  GUARD_ENV,
  type GuardSettings,
  GuardSettingsError,
  guardSettingsFromEnv,
  optionsFromSettings,
} from './environment.js';
export { EVENT_TYPES, type EventType, FIELDS, type GuardEvent, type ProcessInfo, programOf } from './events.js';
export { type Guard, type GuardOptions, type GuardStats, type GuardTarget, loadRules, startGuard } from './guard.js';
export { startGuardFromEnv } from './in-process.js';
export type { Finding } from './reporter.js';
export { BUILTIN_RULES } from './rules/builtin.js';
export { ConditionError, compileCondition } from './rules/condition.js';
export { type CompiledRule, GuardRuleError, type Rule, RuleSet, SEVERITIES, type Severity } from './rules/ruleset.js';
