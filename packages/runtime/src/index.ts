export { type Cache, type CacheOptions, createCache } from './cache.js';
export { ConfigError, type ConfigOf, configFromEnv, type EnvVar, env } from './config.js';
export { createHealth, HEALTH_PATHS, type Health, type HealthCheckOptions, type HealthReport } from './health.js';
export { expressMiddleware, fastifyHooks, instrumentHandler, type Observability, type RequestContext, requestContext } from './http.js';
export { createLogger, type Logger, type LoggerOptions, type RequestLog } from './logger.js';
export { createMetrics, DEFAULT_BUCKETS, METRIC_NAMES, type Metrics, type MetricsOptions, type RequestTimer } from './metrics.js';
export { createRouteMatcher } from './route.js';
export { createShutdown, type Shutdown, type ShutdownOptions } from './shutdown.js';
export { childContext, formatTraceparent, parseTraceparent, type TraceContext } from './trace.js';
