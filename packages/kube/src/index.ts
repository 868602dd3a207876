export { type ApplyOptions, FIELD_MANAGER, KubeClient, type ListOptions, type ObjectRef, refOf } from './client.js';
export { type ResourceInfo, RestMapper, resourcePath, splitApiVersion } from './discovery.js';
export { HEALTH_ORDER, type Health, type HealthStatus, healthOf, worstHealth } from './health.js';
export { DEFAULT_RETRY, KubeApiError, KubeHttp, type KubeRequest, type KubeResponse, type RetryPolicy } from './http.js';
export { type ClusterAccess, type KubeconfigOptions, loadClusterAccess } from './kubeconfig.js';
export { type WaitOptions, waitForHealthy } from './wait.js';
export { type WatchEvent, type WatchEventType, type WatchOptions, watchCollection } from './watch.js';
