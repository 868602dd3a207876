import type { Rule } from '../rule.js';
import { API_RULES } from './api.js';
import { AVAILABILITY_RULES } from './availability.js';
import { CONTAINER_RULES } from './containers.js';
import { MESH_RULES } from './mesh.js';
import { NETWORKING_RULES } from './networking.js';
import { RBAC_RULES } from './rbac.js';
import { SECURITY_RULES } from './security.js';

/** Every built-in rule, by id. */
export const RULES: readonly Rule[] = [
  ...CONTAINER_RULES,
  ...SECURITY_RULES,
  ...RBAC_RULES,
  ...AVAILABILITY_RULES,
  ...NETWORKING_RULES,
  ...MESH_RULES,
  ...API_RULES,
];
