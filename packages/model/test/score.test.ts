import { loadApp, type NimbusError } from '@nimbus/model';
import { renderApp } from '@nimbus/render';
import { describe, expect, it } from 'vitest';

// Score v1b1 conformance: each field and resource type of a workload, as a
// new user would write them (shapes of the public Score sample apps).

const workload = (body: string, name = 'web') => `apiVersion: score.dev/v1b1\nmetadata:\n  name: ${name}\n${body}`;
const load = (...texts: string[]) =>
  loadApp(
    texts.map((text, i) => ({ file: `score-${i}.yaml`, text })),
    { appName: 'demo', readFile: (_from, path) => (path === 'motd.txt' ? 'hello ${metadata.name}\n' : undefined) },
  ).spec;
const problems = (...texts: string[]) => {
  try {
    load(...texts);
    return [];
  } catch (err) {
    return (err as NimbusError).diagnostics ?? [];
  }
};

describe('Score workloads convert field by field', () => {
  it('containers: the one named like the workload is the service, the others its sidecars', () => {
    const spec = load(
      workload(`containers:
  proxy: { image: envoy:1.30.1, args: [--config, /etc/envoy.yaml], variables: { UPSTREAM: "localhost:8080" } }
  web: { image: web:2.0.0, command: [/web], args: [serve] }
`),
    );
    const web = spec.spec.services.web;
    expect(web).toMatchObject({ image: 'web:2.0.0', command: ['/web'], args: ['serve'] });
    expect(web?.sidecars).toEqual({
      proxy: { image: 'envoy:1.30.1', args: ['--config', '/etc/envoy.yaml'], env: { UPSTREAM: 'localhost:8080' } },
    });
  });

  it('files: inline content, a source read beside the Score file, base64 text, noExpand kept literal', () => {
    const spec = load(
      workload(`containers:
  web:
    image: web:2.0.0
    files:
      /etc/web/name: { content: "\${metadata.name}" }
      /etc/web/raw: { content: "\${metadata.name}", noExpand: true }
      /etc/motd: { source: motd.txt, mode: "0644" }
      /etc/web/b64: { binaryContent: aGVsbG8gd29ybGQ= }
`),
    );
    expect(spec.spec.services.web?.config?.files).toEqual({
      '/etc/web/name': 'web',
      '/etc/web/raw': '${metadata.name}',
      '/etc/motd': 'hello web\n',
      '/etc/web/b64': 'hello world',
    });
  });

  it('volumes: a volume resource mounted as scratch space', () => {
    const spec = load(
      workload(`containers:
  web: { image: web:2.0.0, volumes: { /data: { source: "\${resources.data}" } } }
resources:
  data: { type: volume }
`),
    );
    expect(spec.spec.services.web?.volumes).toEqual({ '/data': { emptyDir: {} } });
  });

  it('probes: httpGet with headers and exec; none declared means a TCP probe, never the Nimbus SDK endpoints', () => {
    const declared = load(
      workload(`containers:
  web:
    image: web:2.0.0
    livenessProbe: { httpGet: { path: /alive, port: 8080, httpHeaders: [{ name: X-Probe, value: "1" }] } }
    readinessProbe: { exec: { command: [cat, /tmp/ready] } }
service:
  ports: { http: { port: 80, targetPort: 8080 } }
`),
    );
    expect(declared.spec.services.web?.probes).toEqual({
      liveness: { path: '/alive', port: 8080, headers: { 'X-Probe': '1' } },
      readiness: { command: ['cat', '/tmp/ready'] },
      startup: { command: ['cat', '/tmp/ready'] },
    });
    const none = load(workload(`containers:\n  web: { image: web:2.0.0 }\nservice:\n  ports: { tcp: { port: 9000 } }\n`));
    expect(none.spec.services.web?.probes).toEqual({ startup: { tcp: true }, liveness: { tcp: true }, readiness: { tcp: true } });
    expect(none.spec.services.web?.metrics).toBe(false);
  });

  it('service ports: grpc-named ports speak gRPC, udp stays udp', () => {
    const spec = load(
      workload(
        `containers:\n  web: { image: web:2.0.0 }\nservice:\n  ports:\n    grpc: { port: 7070 }\n    dns: { port: 53, targetPort: 5353, protocol: UDP }\n`,
      ),
    );
    expect(spec.spec.services.web?.ports).toEqual([
      { name: 'grpc', port: 7070, protocol: 'grpc' },
      { name: 'dns', port: 5353, servicePort: 53, protocol: 'udp' },
    ]);
  });

  it('annotations: onto the pods; ${metadata.name} is the workload, not the app', () => {
    const spec = load(
      workload(
        `metadata:\n  annotations: { team: checkout }\ncontainers:\n  web: { image: web:2.0.0, variables: { WHO: "\${metadata.name}", TEAM: "\${metadata.annotations.team}" } }\n`,
      ).replace('metadata:\n  name: web\nmetadata:\n', 'metadata:\n  name: web\n'),
    );
    expect(spec.spec.services.web?.pod?.annotations).toEqual({ team: 'checkout' });
    expect(spec.spec.services.web?.env).toEqual({ WHO: 'web', TEAM: 'checkout' });
  });
});

describe('Score resource types', () => {
  const frontend = workload(`containers:
  web:
    image: web:2.0.0
    variables:
      CART: "\${resources.cart.name}:\${resources.cart.port}"
      DB: "\${resources.db.url}"
      DB_USER: "\${resources.db.username}"
      QUEUE_VHOST: "\${resources.queue.vhost}"
service:
  ports: { http: { port: 8080 } }
resources:
  cart: { type: service }
  db: { type: postgres }
  queue: { type: amqp }
  dns: { type: dns }
  route: { type: route, params: { host: "\${resources.dns.host}", path: /, port: 8080 } }
`);
  const cart = workload(`containers:\n  cart: { image: cart:1.0.0 }\nservice:\n  ports: { grpc: { port: 7070 } }\n`, 'cart');

  it('service, dns, route, postgres and amqp resolve to addresses, a route and Secret references', () => {
    const spec = load(frontend, cart);
    const web = spec.spec.services.web;
    expect(web?.dependsOn).toEqual(['cart', 'db', 'queue']);
    expect(web?.expose).toEqual({ host: 'web.localhost', path: '/', port: 8080 });
    const { objects } = renderApp(spec);
    const deployment = objects.find((o) => o.kind === 'Deployment' && o.metadata.name === 'web') as unknown as {
      spec: { template: { spec: { containers: { env: { name: string; value?: string; valueFrom?: unknown }[] }[] } } };
    };
    const env = Object.fromEntries(deployment.spec.template.spec.containers[0]?.env.map((e) => [e.name, e.value ?? e.valueFrom]) ?? []);
    expect(env.CART).toBe('cart:7070');
    expect(env.DB).toBe('postgres://$(NIMBUS_SECRET_DB_USERNAME):$(NIMBUS_SECRET_DB_PASSWORD)@db:5432/db');
    expect(env.DB_USER).toBe('$(NIMBUS_SECRET_DB_USERNAME)');
    expect(env.NIMBUS_SECRET_DB_USERNAME).toEqual({ secretKeyRef: { name: 'db', key: 'username' } });
    expect(env.QUEUE_VHOST).toBe('/');
    // No credential value is written anywhere in the manifests.
    expect(JSON.stringify(objects)).not.toMatch(/password"?:\s*"[^$]/i);
  });

  it('a service resource names a workload of the set', () => {
    expect(problems(frontend).map((d) => d.message)).toEqual(expect.arrayContaining([expect.stringContaining("'cart'")]));
  });

  it('an unknown type fails at its line with how to bind it, and binding it in nimbus.yaml makes it resolve', () => {
    const ai = workload(
      `containers:\n  ai: { image: ai:1.0.0, variables: { MODEL: "\${resources.llm.url}" } }\nresources:\n  llm: { type: llm-model }\n`,
      'ai',
    );
    const [d] = problems(ai);
    expect(d).toMatchObject({ code: 'NIMBUS_SCORE_UNSUPPORTED', line: 7, hint: expect.stringContaining('spec.resources.llm') });
    const app = `apiVersion: nimbus.dev/v1alpha1\nkind: App\nmetadata: { name: demo }\nspec:\n  services: {}\n  resources:\n    llm: { type: llm-model, host: ollama, port: 11434, params: { url: "http://ollama:11434" } }\n`;
    const spec = loadApp([
      { file: 'nimbus.yaml', text: app },
      { file: 'score.yaml', text: ai },
    ]).spec;
    expect(spec.spec.services.ai?.dependsOn).toEqual(['llm']);
  });

  it('a placeholder error points at the variable that holds it', () => {
    const bad = workload(
      `containers:\n  web:\n    image: web:2.0.0\n    variables:\n      OK: "1"\n      BROKEN: "\${resources.db.nosuch}"\nresources:\n  db: { type: postgres }\n`,
    );
    const [d] = problems(bad);
    expect(d).toMatchObject({ code: 'NIMBUS_SPEC_REFERENCE', line: 9, message: expect.stringContaining("has no output 'nosuch'") });
  });
});
