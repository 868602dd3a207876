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

/**
 * Substitutes `${resources.NAME.KEY}` and `${metadata.name}` in a value
 * (Score's syntax). `$${` is a literal `${`.
 */
export function substitutePlaceholders(
  value: string,
  context: { app: AppSpec; resources: ReadonlyMap<string, ResolvedResource> },
  problems: PlaceholderProblem[],
): string {
  const escaped = value.split('$${');
  return escaped
    .map((part) =>
      part.replace(PLACEHOLDER, (whole, expr: string) => {
        const segs = expr.split('.');
        if (segs[0] === 'metadata' && segs[1] === 'name' && segs.length === 2) return context.app.metadata.name;
        if (segs[0] === 'resources' && segs.length === 3) {
          const res = context.resources.get(segs[1] as string);
          if (!res) {
            problems.push({ expression: whole, reason: `no resource named '${segs[1]}' is declared under spec.resources` });
            return whole;
          }
          const outputs = resourceOutputs(res);
          const v = outputs[segs[2] as string];
          if (v === undefined) {
            problems.push({
              expression: whole,
              reason: `resource '${segs[1]}' has no output '${segs[2]}' (it has: ${Object.keys(outputs).sort().join(', ')})`,
            });
            return whole;
          }
          return v;
        }
        problems.push({ expression: whole, reason: 'placeholders are ${resources.NAME.KEY} or ${metadata.name}' });
        return whole;
      }),
    )
    .join('${');
}
