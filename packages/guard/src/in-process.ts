import type { Logger, Metrics } from '@nimbus/runtime';
import { guardSettingsFromEnv, optionsFromSettings } from './environment.js';
import { type Guard, startGuard } from './guard.js';

/**
 * The one call a service makes: starts the guard inside it when Nimbus rendered
 * `security.guard.mode: in-process` into the pod (NIMBUS_GUARD=in-process), and does nothing
 * otherwise — so the same code runs unguarded on a laptop. Findings go through the service's own
 * logger and metrics registry.
 */
export async function startGuardFromEnv(
  observability: { logger: Logger; metrics?: Metrics },
  env: NodeJS.ProcessEnv = process.env,
): Promise<Guard | undefined> {
  const settings = guardSettingsFromEnv(env);
  if (settings.mode !== 'in-process') return undefined;
  return startGuard({ ...optionsFromSettings(settings, 'self'), logger: observability.logger, metrics: observability.metrics });
}
