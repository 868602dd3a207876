import { type Diagnostic, isNimbusError, loadApp } from '@nimbus/model';
import { describe, expect, it } from 'vitest';

const header = 'apiVersion: nimbus.dev/v1alpha1\nkind: App\nmetadata:\n  name: demo\n';

function problems(text: string, options: Parameters<typeof loadApp>[1] = {}): Diagnostic[] {
  try {
    loadApp([{ file: 'nimbus.yaml', text }], options);
  } catch (err) {
    if (isNimbusError(err)) return [...err.diagnostics];
    throw err;
  }
  throw new Error('expected the spec to be rejected');
}

describe('loadApp', () => {
  it('accepts a minimal app and keeps its values', () => {
    const app = loadApp([{ text: `${header}spec:\n  services:\n    web:\n      image: nginx:1.27\n` }]);
    expect(app.spec.spec.services.web?.image).toBe('nginx:1.27');
  });

  it('reports an unknown field at its key with a did-you-mean hint', () => {
    const [d, ...rest] = problems(`${header}spec:\n  services:\n    web:\n      image: a:1\n      replcas: 3\n`);
    expect(rest).toEqual([]);
    expect(d).toMatchObject({
      code: 'NIMBUS_SPEC_UNKNOWN_FIELD',
      file: 'nimbus.yaml',
      line: 9,
      column: 7,
      path: 'spec.services.web.replcas',
      hint: "did you mean 'replicas'?",
    });
  });

  it('reports every problem at once, each with its place', () => {
    const ds = problems(
      `${header}spec:\n  services:\n    web:\n      image: a:1\n      ports:\n        - port: "80"\n      autoscaling: { min: 5 }\n    Bad_Name:\n      image: b:1\n`,
    );
    const byPath = Object.fromEntries(ds.map((d) => [d.path, d]));
    expect(byPath['spec.services.web.ports[0].port']?.message).toBe('expected number, got string "80"');
    expect(byPath['spec.services.web.autoscaling.max']?.message).toBe("required field 'max' is missing");
    expect(Object.keys(byPath).some((p) => p?.includes('Bad_Name'))).toBe(true);
    for (const d of ds) {
      expect(d.line).toBeGreaterThan(0);
      expect(d.path).toBeTruthy();
    }
  });

  it('reports YAML syntax errors with line and column', () => {
    const [d] = problems(`${header}spec:\n  services:\n    web:\n      image: [a\n`);
    expect(d?.code).toBe('NIMBUS_SPEC_SYNTAX');
    expect(d?.line).toBeGreaterThan(0);
  });

  it('rejects duplicate keys instead of keeping the last one', () => {
    const [d] = problems(`${header}spec:\n  services:\n    web:\n      image: a:1\n      image: b:1\n`);
    expect(d?.code).toBe('NIMBUS_SPEC_SYNTAX');
  });

  it('checks references between services and resources', () => {
    const ds = problems(
      `${header}spec:\n  resources:\n    db: { type: postgres }\n  services:\n    web:\n      image: a:1\n      dependsOn: [dbb, web]\n      env:\n        X: \${resources.cache.host}\n        Y: \${resources.db.nope}\n`,
    );
    const messages = ds.map((d) => `${d.path}: ${d.message} (${d.hint ?? ''})`);
    expect(messages).toContainEqual(expect.stringContaining("'dbb' is neither a service nor a resource"));
    expect(messages).toContainEqual(expect.stringContaining("did you mean 'db'?"));
    expect(messages).toContainEqual(expect.stringContaining('depends on itself'));
    expect(messages).toContainEqual(expect.stringContaining("no resource named 'cache'"));
    expect(messages).toContainEqual(expect.stringContaining("has no output 'nope'"));
  });

  it('refuses replicas together with autoscaling', () => {
    const [d] = problems(
      `${header}spec:\n  services:\n    web:\n      image: a:1\n      replicas: 2\n      autoscaling: { min: 2, max: 4 }\n`,
    );
    expect(d?.message).toContain('autoscaler owns the replica count');
  });

  it('applies an environment overlay: merge, replace lists, null removes', () => {
    const text = `${header}spec:\n  services:\n    web:\n      image: a:1\n      ports: [{ port: 80 }, { port: 81 }]\n      autoscaling: { min: 2, max: 4 }\n      env: { A: "1", B: "2" }\n  environments:\n    dev:\n      services:\n        web:\n          ports: [{ port: 8080 }]\n          autoscaling: null\n          replicas: 1\n          env: { B: null, C: "3" }\n`;
    const web = loadApp([{ text }], { environment: 'dev' }).spec.spec.services.web;
    expect(web?.ports).toEqual([{ port: 8080 }]);
    expect(web?.autoscaling).toBeUndefined();
    expect(web?.replicas).toBe(1);
    expect(web?.env).toEqual({ A: '1', C: '3' });
  });

  it('locates a bad overlay value inside the overlay', () => {
    const text = `${header}spec:\n  services:\n    web:\n      image: a:1\n  environments:\n    prod:\n      services:\n        web:\n          replicas: many\n`;
    const [d] = problems(text, { environment: 'prod' });
    expect(d).toMatchObject({ line: 13, path: "spec.services.web.replicas (environment 'prod')" });
  });

  it('names the declared environments when an unknown one is asked for', () => {
    const text = `${header}spec:\n  services:\n    web: { image: a:1 }\n  environments:\n    prod: {}\n`;
    expect(() => loadApp([{ text }], { environment: 'prd' })).toThrow(
      expect.objectContaining({ code: 'NIMBUS_ENV_UNKNOWN', hint: "did you mean 'prod'?" }),
    );
  });

  it('rejects documents of another kind', () => {
    const [d] = problems('apiVersion: apps/v1\nkind: Deployment\n');
    expect(d?.code).toBe('NIMBUS_SPEC_KIND');
  });
});

describe('Score workloads', () => {
  const score = `apiVersion: score.dev/v1b1\nmetadata:\n  name: orders\ncontainers:\n  main:\n    image: orders:1.0.0\n    variables:\n      DB: \${resources.db.host}\nservice:\n  ports:\n    www: { port: 80, targetPort: 8080 }\nresources:\n  db: { type: postgres }\n  web: { type: route, params: { host: orders.example.com } }\n`;

  it('converts into a service with ports, env, dependencies and exposure', () => {
    const app = loadApp([{ file: 'score.yaml', text: score }]);
    expect(app.spec.metadata.name).toBe('orders');
    const svc = app.spec.spec.services.orders;
    expect(svc?.ports).toEqual([{ name: 'www', port: 8080, servicePort: 80, protocol: 'tcp' }]);
    expect(svc?.dependsOn).toEqual(['db']);
    expect(svc?.expose?.host).toBe('orders.example.com');
    expect(app.spec.spec.resources?.db?.type).toBe('postgres');
  });

  it('reports what cannot be converted, each at its own line', () => {
    const bad = `apiVersion: score.dev/v1b1
metadata:
  name: x
containers:
  a:
    image: a:1
    files:
      /bin/blob: { binaryContent: "/w==" }
    volumes:
      /data: { source: "\${resources.cache}" }
resources:
  cache: { type: redis }
  ledger: { type: blockchain }
`;
    const ds = problems(bad);
    expect(ds.map((d) => [d.code, d.line])).toEqual([
      ['NIMBUS_SCORE_UNSUPPORTED', 8],
      ['NIMBUS_SCORE_UNSUPPORTED', 10],
      ['NIMBUS_SCORE_UNSUPPORTED', 13],
    ]);
    expect(ds[2]?.message).toContain("type 'blockchain'");
    expect(ds[2]?.hint).toContain('spec.resources.ledger');
  });
});

describe('problems in one pass, in words for people', () => {
  const messages = (text: string) => problems(text).map((d) => `${d.line}: ${d.message}${d.hint ? ` | ${d.hint}` : ''}`);

  it('names a field at the wrong level, bounds in words, a bad key with its rule, bad cron fields and time zones', () => {
    const found = messages(`apiVersion: nimbus.dev/v1alpha1
kind: App
metadata: { name: bad }
services:
  x: { image: a:1 }
spec:
  services:
    web:
      image: web:1.0.0
      ports: [{ port: 8080 }]
      metrics: { port: -5 }
      env: { "bad key": x }
      cronJobs:
        nightly: { schedule: "61 * * * *", timeZone: Mars/Olympus, command: [x] }
`);
    expect(found).toEqual([
      "4: unknown field 'services' | did you mean 'spec.services'? 'services' belongs one level down",
      '11: must be at least 1, got number -5',
      "12: 'bad key' is not a valid key here: it must be an environment variable name",
      '14: not a cron schedule: minute 61 is outside 0-59',
      '14: an IANA time zone such as Europe/Berlin or UTC',
    ]);
  });

  it('judges every environment on every load, and reports a dependency cycle once', () => {
    const found = messages(`apiVersion: nimbus.dev/v1alpha1
kind: App
metadata: { name: bad }
spec:
  services:
    web: { image: web:1.0.0, ports: [{ port: 8080 }], dependsOn: [api] }
    api: { image: api:1.0.0, dependsOn: [web] }
  environments:
    prod:
      services:
        web: { replicas: two }
    staging:
      services:
        web: { expose: { host: x.example.com, port: 9999 } }
`);
    expect(found.map((m) => m.split(' | ')[0])).toEqual([
      '7: services depend on each other in a cycle: api → web → api',
      '11: expected number, got string "two"',
      "14: port '9999' is not one of the service's ports",
    ]);
  });
});

describe('schema and meaning in one report', () => {
  it('judges the rest of a spec that breaks its schema, so fixing one batch does not reveal the next', () => {
    const found = problems(`apiVersion: nimbus.dev/v1alpha1
kind: App
metadata: { name: bad }
spec:
  services:
    web: { image: web:1.0.0, ports: [{ port: 8080 }], replicas: -1, dependsOn: [nosuch] }
`);
    expect(found.map((d) => d.code)).toEqual(['NIMBUS_SPEC_INVALID', 'NIMBUS_SPEC_REFERENCE']);
    expect(found[1]?.message).toContain("'nosuch'");
  });
});
