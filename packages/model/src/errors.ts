/**
 * The one catalogue of Nimbus error codes. A code, once published, keeps its
 * meaning forever; a retired code is never reused. `docs/errors.md` is
 * generated from this table and a test keeps the two in sync.
 */
export const ERROR_CATALOG = {
  NIMBUS_USAGE: {
    exitCode: 2,
    title: 'Invalid command-line usage',
    hint: 'Run the command with --help to see its arguments and options.',
  },
  NIMBUS_FILE_NOT_FOUND: {
    exitCode: 2,
    title: 'Input file not found or unreadable',
    hint: 'Check the path; `nimbus init` writes a starter nimbus.yaml.',
  },
  NIMBUS_SPEC_SYNTAX: {
    exitCode: 2,
    title: 'The spec is not valid YAML',
    hint: 'Fix the YAML syntax at the reported line; indentation must use spaces.',
  },
  NIMBUS_SPEC_INVALID: {
    exitCode: 2,
    title: 'A spec field has a wrong type or value',
    hint: 'See docs/reference.md for the field, or let your editor complete it from schema/nimbus.v1alpha1.json.',
  },
  NIMBUS_SPEC_UNKNOWN_FIELD: {
    exitCode: 2,
    title: 'A spec field is not known',
    hint: 'Remove the field or correct its spelling; unknown fields are never ignored silently.',
  },
  NIMBUS_SPEC_REFERENCE: {
    exitCode: 2,
    title: 'A spec reference points at nothing',
    hint: 'Declare the referenced service or resource, or correct the name.',
  },
  NIMBUS_SPEC_KIND: {
    exitCode: 2,
    title: 'The document is not a Nimbus App or a Score workload',
    hint: 'Start the file with `apiVersion: nimbus.dev/v1alpha1` and `kind: App`, or `apiVersion: score.dev/v1b1`.',
  },
  NIMBUS_ENV_UNKNOWN: {
    exitCode: 2,
    title: 'The requested environment is not declared',
    hint: 'Declare it under spec.environments, or pick one of the declared names.',
  },
  NIMBUS_SCORE_UNSUPPORTED: {
    exitCode: 2,
    title: 'A Score workload uses something Nimbus cannot convert',
    hint: 'Adjust the Score file, or write the service in nimbus.yaml directly.',
  },
  NIMBUS_KUBECONFIG: {
    exitCode: 2,
    title: 'No usable cluster credentials',
    hint: 'Pass --kubeconfig and --context, set KUBECONFIG, or run inside a pod with a service account.',
  },
  NIMBUS_KUBE_UNREACHABLE: {
    exitCode: 1,
    title: 'The Kubernetes API server cannot be reached',
    hint: 'Check that the cluster is running and the kubeconfig server address is right. A server that never answered is reported after one retry; one that stops answering during a command is retried with backoff for about 30 s.',
  },
  NIMBUS_KUBE_REJECTED: {
    exitCode: 1,
    title: 'The Kubernetes API server rejected an object',
    hint: 'Read the server message: it names the field. Fix the spec; nothing after the rejected object was applied.',
  },
  NIMBUS_KUBE_FORBIDDEN: {
    exitCode: 1,
    title: 'The cluster credentials lack a permission',
    hint: 'Grant the verb on the resource named in the message (kubectl auth can-i helps), or use another context.',
  },
  NIMBUS_KUBE_NOT_FOUND: {
    exitCode: 1,
    title: 'A Kubernetes object or API is not there',
    hint: 'Check the name and namespace; for a custom resource, install its CRD first.',
  },
  NIMBUS_KUBE_DEGRADED: {
    exitCode: 1,
    title: 'An object is failing and will not recover by waiting',
    hint: 'Read the reason in the message (a crash loop, a missing image, a failed Job); fix the release, or deploy with --atomic to roll back at once.',
  },
  NIMBUS_KUBE_TIMEOUT: {
    exitCode: 1,
    title: 'Objects did not become healthy in time',
    hint: 'See which objects are still progressing in the message; raise --timeout or inspect them with kubectl describe.',
  },
  NIMBUS_LOCKED: {
    exitCode: 1,
    title: 'Another deploy of this app is in progress',
    hint: 'Wait for it to finish. A lock whose holder died expires by itself (see the lease duration in the message); nothing needs unlocking by hand.',
  },
  NIMBUS_INVALID_OBJECTS: {
    exitCode: 1,
    title: 'Objects failed validation; nothing was applied',
    hint: 'Fix the listed fields; the whole set is validated (and dry-run on the server) before anything changes.',
  },
  NIMBUS_PRUNE_REFUSED: {
    exitCode: 1,
    title: 'The deploy would delete every object Nimbus applied before',
    hint: 'If that is intended, pass --force; to remove an app use nimbus destroy.',
  },
  NIMBUS_NO_RELEASE: {
    exitCode: 1,
    title: 'No such release revision',
    hint: 'nimbus history lists the revisions kept (the last 10).',
  },
  NIMBUS_CRD_UNSAFE: {
    exitCode: 1,
    title: 'A CRD change would strand stored objects',
    hint: 'Keep the version until its objects are migrated and it is gone from status.storedVersions, then remove it.',
  },
  NIMBUS_DOCKER_UNREACHABLE: {
    exitCode: 1,
    title: 'The Docker engine cannot be reached',
    hint: 'Start dockerd, or point DOCKER_HOST at a running engine.',
  },
  NIMBUS_DOCKER_BUILD: {
    exitCode: 1,
    title: 'An image build failed',
    hint: "The engine's message names the failing instruction; the streamed build log has the details.",
  },
  NIMBUS_DOCKER: {
    exitCode: 1,
    title: 'The Docker engine refused an operation',
    hint: 'Read the engine message; it names the image, container or network concerned.',
  },
  NIMBUS_GUARD_RULE: {
    exitCode: 2,
    title: 'A guard rule file is invalid',
    hint: 'Fix the rule at the file and line shown; `nimbus guard --fields` lists every field a condition may use.',
  },
  NIMBUS_GUARD_CONTRACT: {
    exitCode: 2,
    title: 'The guard contract is invalid',
    hint: 'A contract is JSON with `service`, `listen` ([{port, protocol}]) and `connect` ([{name, hosts?, cidrs?, ports?}]); `nimbus render` writes one for each guarded service.',
  },
  NIMBUS_GUARD_TARGET: {
    exitCode: 2,
    title: 'The process to guard cannot be watched',
    hint: 'Give the pid of a running process this user may read (/proc/PID/status); run as its user or as root for processes of other users.',
  },
  NIMBUS_PROMETHEUS: {
    exitCode: 1,
    title: 'Prometheus could not judge the canary',
    hint: 'Check --prometheus (the base URL of the Prometheus that scrapes the service) and that it answers /api/v1/query.',
  },
  NIMBUS_ROLLOUT: {
    exitCode: 1,
    title: 'The canary was rolled back',
    hint: 'The reason names the checks that failed; `nimbus release status SERVICE` shows every step.',
  },
  NIMBUS_GIT: {
    exitCode: 1,
    title: 'A Git operation failed',
    hint: 'Read the git message: it names the repository, revision or path concerned.',
  },
  NIMBUS_SYNC_APP: {
    exitCode: 2,
    title: 'An app definition for sync is invalid',
    hint: 'An app has `name`, `namespace` and `source: { repo, path, revision?, environment? }`.',
  },
  NIMBUS_SYNC_SOURCE: {
    exitCode: 1,
    title: 'A Git path cannot be applied as it is',
    hint: 'Sync applies a nimbus.yaml (rendered) or plain manifests; commit what Helm or kustomize would build.',
  },
  NIMBUS_OUTPUT_REFUSED: {
    exitCode: 2,
    title: 'The output would overwrite something Nimbus did not write',
    hint: 'Choose another output path, or pass --force: Nimbus never replaces a file or a directory of yours unasked.',
  },
  NIMBUS_OUTPUT: {
    exitCode: 1,
    title: 'Writing the output failed',
    hint: 'Check that the output directory is writable and the disk is not full.',
  },
  NIMBUS_INTERNAL: {
    exitCode: 70,
    title: 'An internal error: a bug in Nimbus',
    hint: 'Please report it with the command you ran; NIMBUS_DEBUG=1 prints the stack.',
  },
} as const satisfies Record<string, { exitCode: number; title: string; hint: string }>;

export type ErrorCode = keyof typeof ERROR_CATALOG;

/** Where in the user's input a problem sits. */
export interface SourceLocation {
  file?: string;
  line?: number;
  column?: number;
  /** Field path inside the document, e.g. `spec.services.api.ports[0].port`. */
  path?: string;
}

/** One problem in the user's input, reported together with all the others. */
export interface Diagnostic extends SourceLocation {
  code: ErrorCode;
  message: string;
  hint?: string;
}

export interface NimbusErrorOptions {
  hint?: string;
  cause?: unknown;
  diagnostics?: Diagnostic[];
  location?: SourceLocation;
}

/** The one error type Nimbus throws; the CLI turns it into a message and an exit code. */
export class NimbusError extends Error {
  readonly code: ErrorCode;
  readonly hint: string;
  readonly diagnostics: readonly Diagnostic[];
  readonly location: SourceLocation | undefined;

  constructor(code: ErrorCode, message: string, options: NimbusErrorOptions = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = 'NimbusError';
    this.code = code;
    this.hint = options.hint ?? ERROR_CATALOG[code].hint;
    this.diagnostics = options.diagnostics ?? [];
    this.location = options.location;
  }

  get exitCode(): number {
    return ERROR_CATALOG[this.code].exitCode;
  }
}

export function isNimbusError(value: unknown): value is NimbusError {
  return value instanceof NimbusError;
}

/** Formats `file:line:column` from whatever parts are known. */
export function formatLocation(loc: SourceLocation): string {
  let out = loc.file ?? '';
  if (loc.line !== undefined) out += `${out ? ':' : ''}${loc.line}${loc.column !== undefined ? `:${loc.column}` : ''}`;
  return out;
}

/** Renders the catalogue as Markdown; docs/errors.md is this text. */
export function errorCatalogMarkdown(): string {
  const rows = Object.entries(ERROR_CATALOG).map(([code, e]) => `| \`${code}\` | ${e.exitCode} | ${e.title} | ${e.hint} |`);
  return [
    '# Nimbus error codes',
    '',
    'Every error Nimbus reports carries one of these codes. Codes are stable: a published code keeps its meaning and a retired code is never reused. This page is generated from `packages/model/src/errors.ts`; a test fails when they differ.',
    '',
    '| code | exit | meaning | what to do |',
    '| --- | --- | --- | --- |',
    ...rows,
    '',
  ].join('\n');
}
