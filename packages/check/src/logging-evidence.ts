/**
 * Libraries whose default output is one JSON object per line. A dependency on
 * one of them is the evidence the scorecard can find that a service's logs are
 * structured; a service without a build context, or with another logger, shows
 * nothing either way.
 */
const JSON_LOGGERS: Readonly<Record<string, readonly string[]>> = {
  'package.json': ['@nimbus/runtime', 'pino', 'bunyan', '@elastic/ecs-winston-format', '@elastic/ecs-pino-format'],
  'go.mod': ['go.uber.org/zap', 'github.com/rs/zerolog'],
  'requirements.txt': ['structlog', 'python-json-logger', 'ecs-logging'],
  'pyproject.toml': ['structlog', 'python-json-logger', 'ecs-logging'],
};

/** The manifests worth reading in a build context, in the order they are looked at. */
export const DEPENDENCY_MANIFESTS = Object.keys(JSON_LOGGERS);

/** The structured logger a dependency manifest names, if any. Pure: the caller reads the file. */
export function structuredLoggerIn(manifest: string, text: string): string | undefined {
  const libraries = JSON_LOGGERS[manifest] ?? [];
  if (manifest === 'package.json') {
    let deps: Record<string, unknown> = {};
    try {
      const pkg = JSON.parse(text) as { dependencies?: Record<string, unknown> };
      deps = pkg.dependencies ?? {};
    } catch {
      return undefined;
    }
    return libraries.find((l) => l in deps);
  }
  if (manifest === 'pyproject.toml') {
    // Dependencies are quoted requirement strings, one per line or inline in an array.
    const quoted = new Set([...text.matchAll(/["']([A-Za-z0-9_.-]+)/g)].map((m) => (m[1] as string).toLowerCase()));
    return libraries.find((l) => quoted.has(l));
  }
  // go.mod `require` lines and requirements.txt lines start with the module or distribution name.
  const names = new Set(
    text
      .split('\n')
      .map(
        (l) =>
          l
            .replace(/^\s*(require\s+)?["']?/, '')
            .split(/[\s=<>~!;[\]"',]/)[0]
            ?.toLowerCase() ?? '',
      )
      .filter(Boolean),
  );
  return libraries.find((l) => names.has(l));
}
