import { containersOf } from '../objects.js';
import { parseQuantity } from '../quantity.js';
import { type Rule, type RuleContext, type RuleHit, SERVING_KINDS } from '../rule.js';

const name = (c: { name?: string }) => `container '${c.name ?? '?'}'`;

type ContainerEntry = ReturnType<typeof containersOf>[number];

/** Builds a rule body that tests each container of each pod template. */
function perContainer(includeInit: boolean, test: (entry: ContainerEntry) => Omit<RuleHit, 'object'> | undefined) {
  return (ctx: RuleContext): RuleHit[] => {
    const hits: RuleHit[] = [];
    for (const t of ctx.templates) {
      for (const entry of containersOf(t)) {
        if (entry.init && !includeInit) continue;
        const hit = test(entry);
        if (hit) hits.push({ object: t.owner, ...hit });
      }
    }
    return hits;
  };
}

export const resourceRequests: Rule = {
  id: 'container-resource-requests',
  category: 'resources',
  severity: 'warning',
  title: 'Containers request CPU and memory',
  why: 'The scheduler places pods by their requests; without them a node overcommits, pods are evicted first under pressure, and an HPA has nothing to compute utilisation against.',
  fix: 'Set resources.requests.cpu and resources.requests.memory (in nimbus.yaml: resources.requests, or spec.defaults.resources for all services).',
  check: perContainer(true, ({ container, path }) => {
    const missing = ['cpu', 'memory'].filter((r) => container.resources?.requests?.[r] === undefined);
    return missing.length
      ? { path: `${path}.resources.requests`, message: `${name(container)} has no ${missing.join(' or ')} request` }
      : undefined;
  }),
};

export const memoryLimit: Rule = {
  id: 'container-memory-limit',
  category: 'resources',
  severity: 'warning',
  title: 'Containers limit their memory',
  why: 'A container without a memory limit can take a whole node’s memory and get unrelated pods OOM-killed.',
  fix: 'Set resources.limits.memory, usually 1–2× the request.',
  check: perContainer(true, ({ container, path }) =>
    container.resources?.limits?.memory === undefined
      ? { path: `${path}.resources.limits.memory`, message: `${name(container)} has no memory limit` }
      : undefined,
  ),
};

export const cpuLimit: Rule = {
  id: 'container-cpu-limit',
  category: 'resources',
  severity: 'warning',
  title: 'Containers limit their CPU',
  why: 'A CPU limit bounds noisy neighbours, but CFS throttling adds latency even on idle nodes; many teams deliberately run without CPU limits. Turn this rule off in the check config if that is your policy.',
  fix: 'Set resources.limits.cpu, or disable the rule: `rules: { container-cpu-limit: off }`.',
  check: perContainer(true, ({ container, path }) =>
    container.resources?.limits?.cpu === undefined
      ? { path: `${path}.resources.limits.cpu`, message: `${name(container)} has no CPU limit` }
      : undefined,
  ),
};

export const requestsWithinLimits: Rule = {
  id: 'container-requests-exceed-limits',
  category: 'resources',
  severity: 'error',
  title: 'Requests do not exceed limits',
  why: 'The API server rejects a request larger than its limit.',
  fix: 'Lower the request or raise the limit.',
  check: perContainer(true, ({ container, path }) => {
    for (const r of ['cpu', 'memory']) {
      const req = parseQuantity(container.resources?.requests?.[r]);
      const lim = parseQuantity(container.resources?.limits?.[r]);
      if (req !== undefined && lim !== undefined && req > lim) {
        return { path: `${path}.resources.requests.${r}`, message: `${name(container)} requests more ${r} than its limit` };
      }
    }
    return undefined;
  }),
};

export const validQuantities: Rule = {
  id: 'container-resource-quantity',
  category: 'resources',
  severity: 'error',
  title: 'Resource quantities are valid',
  why: "A quantity the API server cannot parse (1Gb, 500M CPU written as '0,5') is rejected, or worse, read as something else.",
  fix: 'Use Kubernetes quantities: binary suffixes Ki, Mi, Gi for memory (1Gi, 512Mi), millicores for CPU (250m, 1).',
  check: perContainer(true, ({ container, path }) => {
    for (const section of ['requests', 'limits'] as const) {
      for (const [r, q] of Object.entries(container.resources?.[section] ?? {})) {
        if (parseQuantity(q) === undefined) {
          return {
            path: `${path}.resources.${section}.${r}`,
            message: `${name(container)} has ${section}.${r} '${String(q)}', which is not a Kubernetes quantity${/^\d+(\.\d+)?[KMGTPE]b$/i.test(String(q)) ? ` (did you mean '${String(q).slice(0, -1)}i'?)` : ''}`,
          };
        }
      }
    }
    return undefined;
  }),
};

export const imageTag: Rule = {
  id: 'container-image-tag',
  category: 'images',
  severity: 'error',
  title: 'Images are pinned to a version',
  why: 'An untagged or `latest` image changes under you: two pods of one Deployment can run different code, and a rollback restores nothing.',
  fix: 'Use an immutable tag such as 1.4.2, or a digest (@sha256:…).',
  check: perContainer(true, ({ container, path }) => {
    const image = container.image ?? '';
    const tag = tagOf(image);
    if (tag === undefined || (tag && tag !== 'latest')) return undefined;
    return { path: `${path}.image`, message: `${name(container)} uses ${tag ? "the 'latest' tag" : 'no tag'} (${image})` };
  }),
};

/** The tag of an image reference, '' when it has none; undefined when pinned by digest. */
function tagOf(image: string): string | undefined {
  if (image.includes('@sha256:')) return undefined;
  const last = image.slice(image.lastIndexOf('/') + 1);
  return last.includes(':') ? last.slice(last.indexOf(':') + 1) : '';
}

export const pullPolicy: Rule = {
  id: 'container-pull-policy',
  category: 'images',
  severity: 'warning',
  title: 'Mutable tags are pulled every time',
  why: 'With a mutable tag (none, or latest) and imagePullPolicy IfNotPresent or Never, each node runs whatever version it cached first: pods of one Deployment run different code. Left unset, Kubernetes pulls such tags Always; a pinned tag or digest needs no Always.',
  fix: 'Pin the image to a version or digest, or drop imagePullPolicy (it then defaults to Always for these tags).',
  check: perContainer(true, ({ container, path }) => {
    const tag = tagOf(container.image ?? '');
    const mutable = tag === '' || tag === 'latest';
    const policy = container.imagePullPolicy;
    return mutable && (policy === 'IfNotPresent' || policy === 'Never')
      ? {
          path: `${path}.imagePullPolicy`,
          message: `${name(container)} runs the mutable image ${container.image} with imagePullPolicy ${policy}`,
        }
      : undefined;
  }),
};

export const privilegedPort: Rule = {
  id: 'container-privileged-port',
  category: 'security',
  severity: 'info',
  title: 'Containers listen above port 1024',
  why: 'A port below 1024 needs root or NET_BIND_SERVICE on runtimes that keep the kernel default for unprivileged ports, which the restricted Pod Security profile forbids; the Service can map any port to a high one.',
  fix: 'Listen on a port above 1024 (e.g. 8080) and keep the Service port at 80 with targetPort pointing at it.',
  check: perContainer(false, ({ container, path }) => {
    const i = (container.ports ?? []).findIndex(
      (p) => typeof p.containerPort === 'number' && p.containerPort > 0 && p.containerPort < 1024,
    );
    return i >= 0
      ? {
          path: `${path}.ports[${i}].containerPort`,
          message: `${name(container)} listens on privileged port ${container.ports?.[i]?.containerPort}`,
        }
      : undefined;
  }),
};

export const ephemeralStorage: Rule = {
  id: 'container-ephemeral-storage',
  category: 'resources',
  severity: 'info',
  title: 'Writable containers bound their disk use',
  why: "A container that writes to its own filesystem, with no ephemeral-storage limit, can fill the node's disk; the kubelet then evicts pods of every team on that node, not just this one.",
  fix: 'Make the root filesystem read-only (writes go to volumes with a sizeLimit), or set resources.limits.ephemeral-storage.',
  check: perContainer(true, ({ container, path }) =>
    container.securityContext?.readOnlyRootFilesystem !== true && container.resources?.limits?.['ephemeral-storage'] === undefined
      ? { path: `${path}.resources.limits`, message: `${name(container)} has a writable filesystem and no ephemeral-storage limit` }
      : undefined,
  ),
};

export const envDuplicate: Rule = {
  id: 'container-env-duplicate',
  category: 'resources',
  severity: 'warning',
  title: 'Environment variables are defined once',
  why: 'When a container defines a variable twice, the last definition wins without a word: the value someone edited may be the one ignored.',
  fix: 'Keep one definition of each variable.',
  check: perContainer(true, ({ container, path }) => {
    const seen = new Set<string>();
    const env = container.env ?? [];
    for (const [i, e] of env.entries()) {
      if (seen.has(e.name))
        return { path: `${path}.env[${i}]`, message: `${name(container)} defines ${e.name} more than once; the last one wins` };
      seen.add(e.name);
    }
    return undefined;
  }),
};

export const readinessProbe: Rule = {
  id: 'container-readiness-probe',
  category: 'probes',
  severity: 'warning',
  title: 'Served containers have a readiness probe',
  why: 'Without a readiness probe a pod receives traffic as soon as it starts, before it can serve, and keeps receiving it while it is overloaded or shutting down.',
  fix: 'Add a readinessProbe (Nimbus renders GET /ready by default).',
  check: (ctx) => {
    const hits: RuleHit[] = [];
    const served = new Set(
      ctx
        .ofKind('Service')
        .flatMap((s) => ctx.selectTemplates(s.metadata.namespace, (s.spec as { selector?: unknown } | undefined)?.selector, true)),
    );
    for (const t of ctx.templates) {
      if (!SERVING_KINDS.has(t.owner.kind) || !served.has(t)) continue;
      (t.spec.containers ?? []).forEach((c, i) => {
        if (!c.readinessProbe)
          hits.push({
            object: t.owner,
            path: `${t.path}.containers[${i}].readinessProbe`,
            message: `${name(c)} is behind a Service but has no readiness probe`,
          });
      });
    }
    return hits;
  },
};

export const livenessProbe: Rule = {
  id: 'container-liveness-probe',
  category: 'probes',
  severity: 'info',
  title: 'Long-running containers have a liveness probe',
  why: 'A liveness probe restarts a container that is stuck but still running; without one a deadlocked process stays forever.',
  fix: 'Add a livenessProbe on a cheap endpoint that does not check dependencies (Nimbus renders GET /health).',
  check: (ctx) =>
    ctx.templates
      .filter((t) => SERVING_KINDS.has(t.owner.kind))
      .flatMap((t) =>
        (t.spec.containers ?? []).flatMap((c, i) =>
          c.livenessProbe
            ? []
            : [{ object: t.owner, path: `${t.path}.containers[${i}].livenessProbe`, message: `${name(c)} has no liveness probe` }],
        ),
      ),
};

const probeAction = (p: Record<string, unknown> | undefined) => JSON.stringify(p?.httpGet ?? p?.tcpSocket ?? p?.exec ?? p?.grpc ?? null);

export const probesIdentical: Rule = {
  id: 'container-probes-identical',
  category: 'probes',
  severity: 'warning',
  title: 'Liveness and readiness probes differ',
  why: 'When both probes hit the same check, a slow dependency makes the pod unready and then restarts it, turning a brownout into a restart storm.',
  fix: 'Point liveness at a cheap self-check (/health) and readiness at a check of whether the pod can serve (/ready).',
  check: perContainer(false, ({ container, path }) =>
    container.livenessProbe && container.readinessProbe && probeAction(container.livenessProbe) === probeAction(container.readinessProbe)
      ? { path: `${path}.livenessProbe`, message: `${name(container)} uses the same check for liveness and readiness` }
      : undefined,
  ),
};

export const startupProbe: Rule = {
  id: 'container-startup-probe',
  category: 'probes',
  severity: 'info',
  title: 'Slow starters use a startup probe, not a long liveness delay',
  why: 'A long initialDelaySeconds on the liveness probe delays detection of a hung container for the pod’s whole life; a startup probe covers only the start.',
  fix: 'Add a startupProbe with failureThreshold × periodSeconds covering the start time, and drop the liveness delay.',
  check: perContainer(false, ({ container, path }) =>
    !container.startupProbe && Number(container.livenessProbe?.initialDelaySeconds ?? 0) > 30
      ? {
          path: `${path}.livenessProbe.initialDelaySeconds`,
          message: `${name(container)} delays liveness by ${container.livenessProbe?.initialDelaySeconds}s instead of using a startup probe`,
        }
      : undefined,
  ),
};

export const CONTAINER_RULES: Rule[] = [
  resourceRequests,
  memoryLimit,
  cpuLimit,
  requestsWithinLimits,
  validQuantities,
  imageTag,
  pullPolicy,
  privilegedPort,
  ephemeralStorage,
  envDuplicate,
  readinessProbe,
  livenessProbe,
  probesIdentical,
  startupProbe,
];
