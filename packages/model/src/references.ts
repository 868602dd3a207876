import type { AppSpec, BackingResource } from './schema.js';

/** Ports conventionally used by backing-service types, so specs need not repeat them. */
export const DEFAULT_RESOURCE_PORTS: Readonly<Record<string, number>> = {
  postgres: 5432,
  postgresql: 5432,
  mysql: 3306,
  mariadb: 3306,
  redis: 6379,
  mongodb: 27017,
  kafka: 9092,
  rabbitmq: 5672,
  amqp: 5672,
  elasticsearch: 9200,
  memcached: 11211,
  nats: 4222,
};

/** Types Nimbus runs itself with `provision: true` (the renderer has a recipe for each). */
export const PROVISIONABLE: ReadonlySet<string> = new Set([
  'postgres',
  'postgresql',
  'mysql',
  'mariadb',
  'redis',
  'mongodb',
  'rabbitmq',
  'amqp',
]);

export interface ResolvedResource {
  name: string;
  type: string;
  host: string;
  port: number | undefined;
  namespace: string | undefined;
  cidr: string | undefined;
  params: Readonly<Record<string, string>>;
  /** The Secret holding the credentials (keys `username`, `password`). */
  secret: string;
  /** Run by Nimbus in the app's namespace. */
  provision: boolean;
  image: string | undefined;
  storage: string | undefined;
}

/** Types whose instances have credentials, and the scheme of their connection URL. */
const CREDENTIAL_SCHEMES: Readonly<Record<string, string>> = {
  postgres: 'postgres',
  postgresql: 'postgres',
  mysql: 'mysql',
  mariadb: 'mysql',
  redis: 'redis',
  mongodb: 'mongodb',
  rabbitmq: 'amqp',
  amqp: 'amqp',
  kafka: 'kafka',
  nats: 'nats',
};

/** Credential outputs of an S3 bucket, read from its Secret like a database's username and password. */
const S3_SECRET_KEYS = ['access_key_id', 'secret_key'];

/** The environment variable a credential output is read into from its Secret (never a literal in a manifest). */
export const secretEnvName = (resource: string, key: string) =>
  `NIMBUS_SECRET_${resource.toUpperCase().replace(/[^A-Z0-9]/g, '_')}_${key.toUpperCase()}`;

/** Where a `$(NIMBUS_SECRET_...)` token in an environment value comes from. */
export interface SecretOutputRef {
  env: string;
  secret: string;
  key: string;
}

export function resolveResource(name: string, r: BackingResource): ResolvedResource {
  const host = r.host ?? (r.namespace ? `${name}.${r.namespace}.svc.cluster.local` : name);
  return {
    name,
    type: r.type,
    host,
    port: r.port ?? DEFAULT_RESOURCE_PORTS[r.type.toLowerCase()],
    namespace: r.namespace,
    cidr: r.cidr,
    params: r.params ?? {},
    secret: r.secret ?? name,
    provision: r.provision === true,
    image: r.image,
    storage: r.storage,
  };
}

/**
 * The values a `${resources.NAME.KEY}` placeholder may name. Credentials
 * (`username`, `password`, and a `url` that carries them) are references to
 * the resource's Secret, read at run time: `$(NIMBUS_SECRET_...)` tokens that
 * the renderer backs with `secretKeyRef` variables.
 */
export function resourceOutputs(res: ResolvedResource): Record<string, string> {
  const identity: Record<string, string> = { name: res.name, type: res.type, host: res.host };
  if (res.port !== undefined) identity.port = String(res.port);
  return { ...credentialOutputs(res), ...s3Outputs(res), ...res.params, ...identity };
}

const hostPort = (res: ResolvedResource) => `${res.host}${res.port !== undefined ? `:${res.port}` : ''}`;

/** username, password, database and url (with vhost or connection where the type has them) of a database or broker. */
function credentialOutputs(res: ResolvedResource): Record<string, string> {
  const scheme = CREDENTIAL_SCHEMES[res.type.toLowerCase()];
  if (!scheme) return {};
  const username = `$(${secretEnvName(res.name, 'username')})`;
  const password = `$(${secretEnvName(res.name, 'password')})`;
  const database = res.params.database ?? res.name;
  const path = ['postgres', 'mysql', 'mongodb'].includes(scheme) ? `/${database}` : '';
  const url = `${scheme}://${username}:${password}@${hostPort(res)}${path}`;
  return {
    username,
    password,
    database,
    url,
    ...(scheme === 'amqp' ? { vhost: res.params.vhost ?? '/' } : {}),
    ...(scheme === 'mongodb' ? { connection: url } : {}),
  };
}

function s3Outputs(res: ResolvedResource): Record<string, string> {
  if (res.type.toLowerCase() !== 's3') return {};
  const out: Record<string, string> = { bucket: res.params.bucket ?? res.name, endpoint: res.params.endpoint ?? `http://${hostPort(res)}` };
  for (const key of S3_SECRET_KEYS) out[key] = `$(${secretEnvName(res.name, key)})`;
  return out;
}

/** The Secret references behind the credential tokens a value uses. */
export function secretOutputsIn(value: string, resources: ReadonlyMap<string, ResolvedResource>): SecretOutputRef[] {
  const out: SecretOutputRef[] = [];
  for (const res of resources.values())
    for (const key of ['username', 'password', ...S3_SECRET_KEYS]) {
      const env = secretEnvName(res.name, key);
      if (value.includes(`$(${env})`)) out.push({ env, secret: res.secret, key });
    }
  return out;
}

/** A service's address as other services of the app reach it. */
export interface ServiceAddress {
  name: string;
  port: number | undefined;
  protocol: string | undefined;
}

function serviceOutput(name: string, key: string, context: PlaceholderContext): { value: string } | { reason: string } {
  const svc = context.app.spec.services[name];
  if (!svc) return { reason: `no service named '${name}' in spec.services` };
  const first = svc.ports?.[0];
  const port = first ? (first.servicePort ?? first.port) : undefined;
  const outputs: Record<string, string> = { name, host: name };
  if (port !== undefined) {
    outputs.port = String(port);
    const scheme = first?.protocol === 'grpc' ? 'grpc' : first?.protocol === 'tcp' || first?.protocol === 'udp' ? first.protocol : 'http';
    outputs.url = `${scheme}://${name}:${port}`;
  }
  const v = outputs[key];
  if (v === undefined) return { reason: `service '${name}' has no output '${key}' (it has: ${Object.keys(outputs).sort().join(', ')})` };
  return { value: v };
}

const PLACEHOLDER = /\$\{([^}]*)\}/g;

export interface PlaceholderProblem {
  expression: string;
  reason: string;
}

type PlaceholderContext = { app: AppSpec; resources: ReadonlyMap<string, ResolvedResource> };

/** The value of `${resources.NAME.KEY}`, or the problem with it. */
function resourceOutput(name: string, key: string, context: PlaceholderContext): { value: string } | { reason: string } {
  const res = context.resources.get(name);
  if (!res) return { reason: `no resource named '${name}' is declared under spec.resources` };
  const outputs = resourceOutputs(res);
  const v = outputs[key];
  if (v === undefined) return { reason: `resource '${name}' has no output '${key}' (it has: ${Object.keys(outputs).sort().join(', ')})` };
  return { value: v };
}

/** One placeholder's replacement; an unresolvable one stays as written and is reported. */
function replacement(whole: string, expr: string, context: PlaceholderContext, problems: PlaceholderProblem[]): string {
  const segs = expr.split('.');
  if (segs[0] === 'metadata' && segs[1] === 'name' && segs.length === 2) return context.app.metadata.name;
  const found =
    segs[0] === 'resources' && segs.length === 3
      ? resourceOutput(segs[1] as string, segs[2] as string, context)
      : segs[0] === 'services' && segs.length === 3
        ? serviceOutput(segs[1] as string, segs[2] as string, context)
        : { reason: 'placeholders are ${resources.NAME.KEY}, ${services.NAME.KEY} or ${metadata.name}' };
  if ('value' in found) return found.value;
  problems.push({ expression: whole, reason: found.reason });
  return whole;
}

/**
 * Substitutes `${resources.NAME.KEY}`, `${services.NAME.KEY}` and
 * `${metadata.name}` in a value (Score's syntax). `$${` is a literal `${`.
 */
export function substitutePlaceholders(value: string, context: PlaceholderContext, problems: PlaceholderProblem[]): string {
  return value
    .split('$${')
    .map((part) => part.replace(PLACEHOLDER, (whole, expr: string) => replacement(whole, expr, context, problems)))
    .join('${');
}
