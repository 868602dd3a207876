import { NimbusError } from '@nimbus/model/core';

/** Durations as kubectl writes them: 250ms, 90s, 5m, 1h, or plain seconds. A malformed one is a usage error, never ignored. */
export function parseDuration(text: string | undefined, fallbackMs: number, option = '--timeout'): number {
  if (text === undefined || text === '') return fallbackMs;
  const m = /^(\d+(?:\.\d+)?)(ms|s|m|h)?$/.exec(text.trim());
  if (!m) throw new NimbusError('NIMBUS_USAGE', `${option}: '${text}' is not a duration`, { hint: 'Write it as 250ms, 30s, 5m or 1h.' });
  const unit = { ms: 1, s: 1000, m: 60_000, h: 3_600_000 }[m[2] ?? 's'] as number;
  return Number(m[1]) * unit;
}
