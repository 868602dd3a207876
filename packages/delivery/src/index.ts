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
export { type AppStatus, appStatus, type ObjectStatus, type ServiceStatus } from './status.js';
export { validateBeforeApply } from './validate.js';
