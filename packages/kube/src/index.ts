export { type ApplyOptions, FIELD_MANAGER, KubeClient, type ListOptions } from './client.js';
export { type DiagnoseOptions, diagnosePods, type PodProblem, podSelectorOf, type WorkloadCounts, workloadCounts } from './diagnose.js';
export { type ResourceInfo, splitApiVersion, UnknownKindError } from './discovery.js';
export { HEALTH_ORDER, type Health, type HealthStatus, healthOf, worstHealth } from './health.js';
export { DEFAULT_RETRY, KubeApiError, type RetryPolicy } from './http.js';
export { type ClusterAccess, type KubeconfigOptions, loadClusterAccess } from './kubeconfig.js';
export { acquireLease, type HeldLease, type LeaseOptions, LeaseTakenError } from './lease.js';
export { type HealthUpdate, healthUpdates, type WaitOptions, waitForHealthy } from './wait.js';
export { type WatchEvent, type WatchEventType, type WatchOptions, watchCollection } from './watch.js';
