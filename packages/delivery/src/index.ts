export {
  applyStage,
  type DeployEvent,
  type DeployOptions,
  type DeployResult,
  deploy,
  type ExecuteOptions,
  executePlan,
  HANDOVER_MANAGER,
  rollback,
} from './deploy.js';
export { destroyApp } from './destroy.js';
export { compactDiff, diffObjects, lineDiff, normalizeForDiff, type ObjectDiff } from './diff.js';
export { acquireLock, type HeldLock, type LockOptions } from './lock.js';
export { FIRST_STAGE, type Plan, type PlanInput, planDeploy, planRelease, prunesEverything, type Stage } from './plan.js';
export { HISTORY_LIMIT, type Release, type ReleaseStatus, ReleaseStore, releaseName } from './releases.js';
export { analysisQueries, type CheckSpec, DEFAULT_CHECKS, TRACK_LABEL, verdictOf } from './rollout/analysis.js';
export {
  type Action as RolloutAction,
  type CheckResult,
  type Command as RolloutCommand,
  DEFAULT_POLICY,
  type HookName,
  initialState,
  isDone,
  type Observation,
  type Phase as RolloutPhase,
  type RolloutPolicy,
  type RolloutState,
  step as rolloutStep,
} from './rollout/machine.js';
export { type CanaryPlan, deployProgressively, type ProgressiveEvent, planCanaries } from './rollout/progressive.js';
export { queryPrometheus } from './rollout/prometheus.js';
export { canaryReplicas, effectiveWeight, httpRouteWeights, type RouterSpec, virtualServiceWeights } from './rollout/routers.js';
export { type CanaryRun, type RolloutEvent, readRollout, rolloutRecordName, runCanary, sendRolloutCommand } from './rollout/run.js';
export { type AppStatus, appStatus, type ObjectStatus, type ServiceStatus } from './status.js';
export { validateBeforeApply } from './validate.js';
