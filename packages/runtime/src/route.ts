/**
 * Route templates for plain node:http servers: matches a path against
 * patterns like `/users/:id` and returns the pattern, or `unmatched` — never
 * the raw path, whose ids would explode metric cardinality.
 */
export function createRouteMatcher(patterns: readonly string[]): (path: string) => string {
  const compiled = patterns.map((p) => ({
    pattern: p,
    regex: new RegExp(
      `^${p
        .replace(/[.+?^${}()|[\]\\]/g, '\\$&')
        .replace(/:[A-Za-z_][A-Za-z0-9_]*/g, '[^/]+')
        .replace(/\*/g, '.*')}/?$`,
    ),
  }));
  return (path) => {
    const q = path.indexOf('?');
    const clean = q < 0 ? path : path.slice(0, q);
    for (const c of compiled) if (c.regex.test(clean)) return c.pattern;
    return 'unmatched';
  };
}
