/** Durations as Istio and the Gateway API write them ('2s', '250ms'); minutes and hours become seconds. */
export function meshDuration(text: string): string {
  const m = /^(\d+(?:\.\d+)?)(ms|s|m|h)$/.exec(text);
  if (!m) return text;
  const value = Number(m[1]);
  if (m[2] === 'm') return `${value * 60}s`;
  if (m[2] === 'h') return `${value * 3600}s`;
  return text;
}
