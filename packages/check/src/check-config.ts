import { NimbusError, parseYamlSource } from '@nimbus/model/core';
import { DOCKERFILE_RULES } from './dockerfile-lint.js';
import type { CheckConfig } from './engine.js';
import { RULES } from './rules/index.js';

/** The file `nimbus check` looks for beside the spec, or in the working directory. */
export const CHECK_CONFIG_FILE = '.nimbus-check.yaml';

const LEVELS = ['off', 'info', 'warning', 'error'];

/**
 * Parses a `.nimbus-check.yaml`: rule ids mapped to a level, and `skipSchema`.
 * An unknown rule or level is an error located at its line, never ignored.
 */
export function parseCheckConfig(text: string, path: string): CheckConfig {
  const parsed = parseYamlSource(text, path);
  if (parsed.diagnostics.length)
    throw new NimbusError('NIMBUS_SPEC_SYNTAX', `${path} is not valid YAML`, { diagnostics: parsed.diagnostics });
  const doc = parsed.documents[0];
  const value = (doc?.value ?? {}) as { rules?: Record<string, string>; skipSchema?: boolean };
  const known = new Set([
    ...RULES.map((r) => r.id),
    ...DOCKERFILE_RULES.map((r) => r.id),
    'schema',
    'schema-unknown-kind',
    'duplicate-object',
    'not-kubernetes',
    'yaml-syntax',
  ]);
  for (const [id, level] of Object.entries(value.rules ?? {})) {
    if (!known.has(id)) {
      throw new NimbusError('NIMBUS_SPEC_INVALID', `unknown rule '${id}' in ${path}`, {
        location: doc?.locate(['rules', id], 'key'),
        hint: 'nimbus explain lists the rules',
      });
    }
    if (!LEVELS.includes(String(level))) {
      throw new NimbusError('NIMBUS_SPEC_INVALID', `rule '${id}' has level '${String(level)}'`, {
        location: doc?.locate(['rules', id]),
        hint: 'use off, info, warning or error',
      });
    }
  }
  return value as CheckConfig;
}
