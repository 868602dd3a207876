import { containersOf, type PodTemplate } from '../objects.js';
import type { Rule, RuleContext, RuleHit } from '../rule.js';

const name = (c: { name?: string }) => `container '${c.name ?? '?'}'`;

function perTemplate(test: (t: PodTemplate) => Omit<RuleHit, 'object'>[]): (ctx: RuleContext) => RuleHit[] {
  return (ctx) => ctx.templates.flatMap((t) => test(t).map((h) => ({ object: t.owner, ...h })));
}

export const runAsNonRoot: Rule = {
  id: 'pod-run-as-non-root',
  category: 'security',
  severity: 'error',
  title: 'Containers run as a non-root user',
  why: 'Root in a container is root on the host once any isolation bug is found; Pod Security "restricted" rejects such pods.',
  fix: 'Set securityContext.runAsNonRoot: true and a non-zero runAsUser (Nimbus does by default), and build images with a USER.',
  check: perTemplate((t) =>
    containersOf(t)
      .filter(({ container }) => {
        const nonRoot = container.securityContext?.runAsNonRoot ?? t.spec.securityContext?.runAsNonRoot;
        const user = container.securityContext?.runAsUser ?? t.spec.securityContext?.runAsUser;
        return !(nonRoot === true || (user !== undefined && user > 0)) || user === 0;
      })
      .map(({ container, path }) => ({ path: `${path}.securityContext.runAsNonRoot`, message: `${name(container)} may run as root` })),
  ),
};

export const privilegeEscalation: Rule = {
  id: 'container-privilege-escalation',
  category: 'security',
  severity: 'error',
  title: 'Privilege escalation is forbidden',
  why: 'setuid binaries can regain privileges the container dropped; Pod Security "baseline" and "restricted" require allowPrivilegeEscalation: false.',
  fix: 'Set securityContext.allowPrivilegeEscalation: false.',
  check: perTemplate((t) =>
    containersOf(t)
      .filter(({ container }) => container.securityContext?.allowPrivilegeEscalation !== false)
      .map(({ container, path }) => ({
        path: `${path}.securityContext.allowPrivilegeEscalation`,
        message: `${name(container)} does not forbid privilege escalation`,
      })),
  ),
};

export const privileged: Rule = {
  id: 'container-privileged',
  category: 'security',
  severity: 'error',
  title: 'No privileged containers',
  why: 'A privileged container has every device and capability of the host: it is the host.',
  fix: 'Remove securityContext.privileged; add only the specific capability needed.',
  check: perTemplate((t) =>
    containersOf(t)
      .filter(({ container }) => container.securityContext?.privileged === true)
      .map(({ container, path }) => ({ path: `${path}.securityContext.privileged`, message: `${name(container)} is privileged` })),
  ),
};

export const dropCapabilities: Rule = {
  id: 'container-capabilities-drop-all',
  category: 'security',
  severity: 'warning',
  title: 'Containers drop all capabilities',
  why: 'The runtime’s default capability set includes NET_RAW and others most services never need; Pod Security "restricted" requires dropping ALL.',
  fix: 'Set securityContext.capabilities.drop: [ALL] and add back only what is needed (NET_BIND_SERVICE at most).',
  check: perTemplate((t) =>
    containersOf(t)
      .filter(({ container }) => !(container.securityContext?.capabilities?.drop ?? []).some((c) => c.toUpperCase() === 'ALL'))
      .map(({ container, path }) => ({
        path: `${path}.securityContext.capabilities.drop`,
        message: `${name(container)} does not drop ALL capabilities`,
      })),
  ),
};

const DANGEROUS_CAPS = new Set([
  'ALL',
  'SYS_ADMIN',
  'NET_ADMIN',
  'NET_RAW',
  'SYS_PTRACE',
  'SYS_MODULE',
  'DAC_READ_SEARCH',
  'SYS_RAWIO',
  'BPF',
  'PERFMON',
]);

export const dangerousCapabilities: Rule = {
  id: 'container-dangerous-capabilities',
  category: 'security',
  severity: 'error',
  title: 'No dangerous capabilities are added',
  why: 'Capabilities such as SYS_ADMIN or NET_ADMIN let a container reconfigure or escape the host.',
  fix: 'Remove the capability from securityContext.capabilities.add.',
  check: perTemplate((t) =>
    containersOf(t).flatMap(({ container, path }) =>
      (container.securityContext?.capabilities?.add ?? [])
        .filter((c) => DANGEROUS_CAPS.has(c.toUpperCase().replace(/^CAP_/, '')))
        .map((c) => ({ path: `${path}.securityContext.capabilities.add`, message: `${name(container)} adds ${c}` })),
    ),
  ),
};

export const readOnlyRootFs: Rule = {
  id: 'container-read-only-root-fs',
  category: 'security',
  severity: 'warning',
  title: 'Root filesystems are read-only',
  why: 'A writable root filesystem lets an intruder drop tools and persist changes, and hides state that should be in a volume or a backing service.',
  fix: 'Set securityContext.readOnlyRootFilesystem: true and mount an emptyDir where the app must write (Nimbus mounts /tmp).',
  check: perTemplate((t) =>
    containersOf(t)
      .filter(({ container }) => container.securityContext?.readOnlyRootFilesystem !== true)
      .map(({ container, path }) => ({
        path: `${path}.securityContext.readOnlyRootFilesystem`,
        message: `${name(container)} has a writable root filesystem`,
      })),
  ),
};

export const seccomp: Rule = {
  id: 'pod-seccomp-profile',
  category: 'security',
  severity: 'warning',
  title: 'Pods use the RuntimeDefault seccomp profile',
  why: 'Without a seccomp profile every system call is allowed; Pod Security "restricted" requires RuntimeDefault or Localhost.',
  fix: 'Set securityContext.seccompProfile.type: RuntimeDefault on the pod.',
  check: perTemplate((t) => {
    const podType = t.spec.securityContext?.seccompProfile?.type;
    return containersOf(t)
      .filter(({ container }) => {
        const type = container.securityContext?.seccompProfile?.type ?? podType;
        return type !== 'RuntimeDefault' && type !== 'Localhost';
      })
      .map(({ container, path }) => ({
        path: `${path}.securityContext.seccompProfile`,
        message: `${name(container)} runs without a seccomp profile`,
      }));
  }),
};

export const hostNamespaces: Rule = {
  id: 'pod-host-namespaces',
  category: 'security',
  severity: 'error',
  title: 'Pods do not share host namespaces',
  why: 'hostNetwork, hostPID and hostIPC expose the node’s network, processes and shared memory to the pod.',
  fix: 'Remove hostNetwork, hostPID and hostIPC.',
  check: perTemplate((t) =>
    (['hostNetwork', 'hostPID', 'hostIPC'] as const)
      .filter((k) => t.spec[k] === true)
      .map((k) => ({ path: `${t.path}.${k}`, message: `the pod uses ${k}` })),
  ),
};

export const hostPath: Rule = {
  id: 'pod-host-path',
  category: 'security',
  severity: 'error',
  title: 'No hostPath volumes',
  why: 'A hostPath volume reaches into the node’s filesystem; it is the most common container escape.',
  fix: 'Use an emptyDir, a ConfigMap/Secret, or a PersistentVolumeClaim.',
  check: perTemplate((t) =>
    (t.spec.volumes ?? []).flatMap((v, i) =>
      v.hostPath ? [{ path: `${t.path}.volumes[${i}].hostPath`, message: `volume '${v.name}' mounts a host path` }] : [],
    ),
  ),
};

export const hostPort: Rule = {
  id: 'container-host-port',
  category: 'security',
  severity: 'warning',
  title: 'No host ports',
  why: 'A hostPort binds the node’s port: only one such pod fits per node, and it bypasses NetworkPolicies on many plugins.',
  fix: 'Remove hostPort and reach the pod through a Service.',
  check: perTemplate((t) =>
    containersOf(t).flatMap(({ container, path }) =>
      (container.ports ?? []).flatMap((p, i) =>
        p.hostPort ? [{ path: `${path}.ports[${i}].hostPort`, message: `${name(container)} binds host port ${p.hostPort}` }] : [],
      ),
    ),
  ),
};

const SECRET_NAME = /(PASSWORD|PASSWD|SECRET|TOKEN|API_?KEY|PRIVATE_?KEY|CREDENTIALS?|ACCESS_?KEY)/i;

export const secretInEnv: Rule = {
  id: 'container-secret-in-env',
  category: 'security',
  severity: 'error',
  title: 'Secrets are not written into manifests',
  why: 'A literal secret in an env value is stored in plain text in Git, in etcd, and in every `kubectl get -o yaml`.',
  fix: 'Reference a Secret: env[].valueFrom.secretKeyRef (in nimbus.yaml: secrets: { NAME: { secret, key } }).',
  check: perTemplate((t) =>
    containersOf(t).flatMap(({ container, path }) => {
      const fromSecrets = new Set((container.env ?? []).filter((e) => e.valueFrom !== undefined).map((e) => e.name));
      return (container.env ?? []).flatMap((e, i) =>
        SECRET_NAME.test(e.name) && typeof e.value === 'string' && e.value !== '' && !onlyReferences(e.value, fromSecrets)
          ? [{ path: `${path}.env[${i}].value`, message: `${name(container)} sets ${e.name} to a literal value` }]
          : [],
      );
    }),
  ),
};

/** Whether a value is made of $(VAR) references to variables read from elsewhere (Secrets), with no literal secret of its own. */
function onlyReferences(value: string, fromSecrets: ReadonlySet<string>): boolean {
  const refs = [...value.matchAll(/\$\(([A-Za-z_][A-Za-z0-9_]*)\)/g)].map((m) => m[1] as string);
  return refs.length > 0 && refs.every((r) => fromSecrets.has(r)) && value.replace(/\$\([A-Za-z_][A-Za-z0-9_]*\)/g, '').length < 8;
}

export const serviceAccountToken: Rule = {
  id: 'pod-service-account-token',
  category: 'security',
  severity: 'info',
  title: 'Service-account tokens are mounted only when needed',
  why: 'Most services never call the Kubernetes API; a mounted token is a credential an intruder can use.',
  fix: 'Set automountServiceAccountToken: false (Nimbus does unless serviceAccount.automountToken is true).',
  check: perTemplate((t) =>
    t.spec.automountServiceAccountToken === false
      ? []
      : [{ path: `${t.path}.automountServiceAccountToken`, message: 'the pod mounts a service-account token' }],
  ),
};

export const SECURITY_RULES: Rule[] = [
  runAsNonRoot,
  privilegeEscalation,
  privileged,
  dropCapabilities,
  dangerousCapabilities,
  readOnlyRootFs,
  seccomp,
  hostNamespaces,
  hostPath,
  hostPort,
  secretInEnv,
  serviceAccountToken,
];
