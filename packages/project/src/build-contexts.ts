import { existsSync, readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { DEPENDENCY_MANIFESTS, structuredLoggerIn } from '@nimbus/check';
import type { AppSpec } from '@nimbus/model';
import type { BuildContextInfo } from '@nimbus/render';

/** What a build context holds that picks a Dockerfile template; undefined when it has its own Dockerfile or no known manifest. */
function detectContext(dir: string, service: string): BuildContextInfo | undefined {
  const has = (f: string) => existsSync(join(dir, f));
  // A context with its own Dockerfile is built with it (as `nimbus build` does): nothing to generate.
  if (has('Dockerfile')) return undefined;
  if (has('package.json')) {
    const pkg = JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8')) as { main?: string; scripts?: Record<string, string> };
    const lockfile = ['package-lock.json', 'npm-shrinkwrap.json'].find(has) ?? 'package-lock.json';
    return { language: 'node', lockfile, entry: pkg.main ?? 'index.js', hasBuildScript: Boolean(pkg.scripts?.build) };
  }
  if (has('go.mod')) return { language: 'go', entry: has('cmd') ? `./cmd/${service}` : '.' };
  if (has('pyproject.toml') || has('requirements.txt')) {
    return {
      language: 'python',
      lockfile: has('requirements.txt') ? 'requirements.txt' : 'pyproject.toml',
      entry: has('main.py') ? 'main' : 'app',
    };
  }
  return undefined;
}

/** Looks at each build context to pick a Dockerfile template (node, go, python). */
export function inspectBuildContexts(spec: AppSpec, specFile: string, cwd: string): Record<string, BuildContextInfo> {
  const base = dirname(resolve(cwd, specFile));
  const out: Record<string, BuildContextInfo> = {};
  for (const [name, svc] of Object.entries(spec.spec.services)) {
    const info = svc.build ? detectContext(join(base, svc.build.context), name) : undefined;
    if (info) out[name] = info;
  }
  return out;
}

/**
 * Scorecard evidence of structured logs: the share of services whose build
 * context depends on a JSON logger. Services without a build context count as
 * not shown.
 */
export function structuredLogEvidence(spec: AppSpec, specDir: string): { score: number; detail: string } | undefined {
  const services = Object.entries(spec.spec.services);
  if (services.length === 0) return undefined;
  const found: string[] = [];
  for (const [name, svc] of services) {
    if (!svc.build) continue;
    const dir = join(specDir, svc.build.context);
    for (const manifest of DEPENDENCY_MANIFESTS) {
      const file = join(dir, manifest);
      if (!existsSync(file)) continue;
      const library = structuredLoggerIn(manifest, readFileSync(file, 'utf8'));
      if (library) {
        found.push(`${name} (${library})`);
        break;
      }
    }
  }
  if (found.length === 0) return undefined;
  return {
    score: found.length / services.length,
    detail: `${found.length} of ${services.length} services depend on a JSON logger: ${found.join(', ')}`,
  };
}

/** The runtime SDK a build context depends on, by the manifest that names it. */
const SDK_PACKAGE = '@nimbus/runtime';

/**
 * The services whose build context depends on the Nimbus runtime SDK (its
 * package.json names @nimbus/runtime): they serve /health, /ready and
 * /metrics, so Nimbus probes and scrapes them there.
 */
export function sdkServices(spec: AppSpec, specDir: string): Set<string> {
  const out = new Set<string>();
  for (const [name, svc] of Object.entries(spec.spec.services)) {
    if (!svc.build) continue;
    const file = join(specDir, svc.build.context, 'package.json');
    if (!existsSync(file)) continue;
    try {
      const pkg = JSON.parse(readFileSync(file, 'utf8')) as { dependencies?: Record<string, string> };
      if (pkg.dependencies?.[SDK_PACKAGE]) out.add(name);
    } catch {
      // An unreadable package.json shows nothing; the build reports it.
    }
  }
  return out;
}
