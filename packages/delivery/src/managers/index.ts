/**
 * The seed's manager classes as a library: imperative calls (create a
 * Deployment, split traffic, roll config, install a CRD), each an idempotent
 * server-side apply of an object built by render's pure constructors.
 */
export { CONFIG_ROLLER, ConfigManager, parseEnvFile } from './config-manager.js';
export { type CrdChange, type CrdDefinition, CustomResourceManager, crdFromDefinition, planCrdChange } from './crd.js';
export { type IngressRuleSpec, KubernetesManager, type ServicePortSpec } from './kubernetes-manager.js';
export { IstioManager, type RouteSpec } from './mesh-manager.js';
