/**
 * Environment overlays: deep merge where objects merge key by key, lists and
 * scalars replace, and `null` removes the field.
 */
export function mergeOverlay(base: unknown, overlay: unknown): unknown {
  if (overlay === null) return undefined;
  if (!isPlainObject(base) || !isPlainObject(overlay)) return structuredClone(overlay);
  const out: Record<string, unknown> = { ...base };
  for (const [key, value] of Object.entries(overlay)) {
    const merged = mergeOverlay(base[key], value);
    if (merged === undefined) delete out[key];
    else out[key] = merged;
  }
  return out;
}

export function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
