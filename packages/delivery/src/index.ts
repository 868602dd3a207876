export { applyStage, type DeployEvent, type DeployOptions, type DeployResult, deploy, HANDOVER_MANAGER, rollback } from './deploy.js';
export { destroyApp } from './destroy.js';
export { compactDiff, diffObjects, lineDiff, normalizeForDiff, type ObjectDiff } from './diff.js';
export { acquireLock, type HeldLock, type LockOptions } from './lock.js';
export { type IngressRuleSpec, KubernetesManager, type ServicePortSpec } from './manager.js';
export { type Plan, type PlanInput, planDeploy, prunesEverything, refOfObject, type Stage } from './plan.js';
export { HISTORY_LIMIT, inventoryKeys, type Release, type ReleaseStatus, ReleaseStore, releaseName } from './releases.js';
export { type AppStatus, appStatus, type ObjectStatus, type ServiceStatus } from './status.js';
export { validateBeforeApply } from './validate.js';
