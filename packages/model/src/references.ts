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

export interface ResolvedResource {
  name: string;
  type: string;
  host: string;
  port: number | undefined;
  namespace: string | undefined;
  cidr: string | undefined;
  params: Readonly<Record<string, string>>;
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
  };
}

/** The values a `${resources.NAME.KEY}` placeholder may name. */
export function resourceOutputs(res: ResolvedResource): Record<string, string> {
  const out: Record<string, string> = { ...res.params, name: res.name, type: res.type, host: res.host };
  if (res.port !== undefined) out.port = String(res.port);
  return out;
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
      : { reason: 'placeholders are ${resources.NAME.KEY} or ${metadata.name}' };
  if ('value' in found) return found.value;
  problems.push({ expression: whole, reason: found.reason });
  return whole;
}

/**
 * Substitutes `${resources.NAME.KEY}` and `${metadata.name}` in a value
 * (Score's syntax). `$${` is a literal `${`.
 */
export function substitutePlaceholders(value: string, context: PlaceholderContext, problems: PlaceholderProblem[]): string {
  return value
    .split('$${')
    .map((part) => part.replace(PLACEHOLDER, (whole, expr: string) => replacement(whole, expr, context, problems)))
    .join('${');
}
