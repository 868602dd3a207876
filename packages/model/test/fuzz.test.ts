import { isNimbusError, loadApp } from '@nimbus/model';
import { renderApp } from '@nimbus/render';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { stringify } from 'yaml';

/** Specs near the valid shape, with wrong types, unknown keys and broken references mixed in. */
const name = fc.oneof(fc.constantFrom('web', 'api', 'db', 'cache', 'worker'), fc.string({ maxLength: 8 }));
const scalar = fc.oneof(fc.string({ maxLength: 12 }), fc.integer({ min: -5, max: 70000 }), fc.boolean(), fc.constant(null));
const loose = fc.oneof(scalar, fc.dictionary(name, scalar, { maxKeys: 3 }), fc.array(scalar, { maxLength: 3 }));
const port = fc.record(
  {
    port: fc.oneof(fc.integer({ min: 0, max: 70000 }), fc.string({ maxLength: 4 })),
    name: fc.option(name, { nil: undefined }),
    protocol: fc.option(fc.constantFrom('http', 'grpc', 'tcp', 'udp', 'UDP', 'quic'), { nil: undefined }),
  },
  { requiredKeys: ['port'] },
);
const service = fc.record(
  {
    image: fc.oneof(fc.constant('ghcr.io/x/y:1.0.0'), scalar),
    ports: fc.oneof(fc.array(port, { maxLength: 3 }), loose),
    replicas: fc.oneof(fc.integer({ min: -1, max: 5 }), loose),
    autoscaling: fc.oneof(fc.record({ min: fc.integer({ min: 0, max: 5 }), max: fc.integer({ min: 0, max: 9 }) }), loose),
    dependsOn: fc.oneof(fc.array(name, { maxLength: 3 }), loose),
    env: fc.oneof(
      fc.dictionary(
        fc.constantFrom('A', 'B_1', 'bad-key'),
        fc.oneof(
          scalar,
          fc.constantFrom('${resources.db.host}', '${resources.db.password}', '${services.api.url}', '${services.nope.host}'),
        ),
      ),
      loose,
    ),
    expose: fc.oneof(fc.record({ host: fc.constantFrom('a.example.com', 'NOT A HOST') }), loose),
    probes: fc.oneof(
      fc.record({
        readiness: fc.oneof(
          fc.record({ grpc: fc.oneof(fc.constant(true), fc.record({ service: name })) }),
          fc.record({ tcp: fc.constant(true), port: fc.oneof(fc.integer({ min: -1, max: 70000 }), name) }),
          fc.record({ path: fc.constantFrom('/h', 'h'), headers: fc.oneof(fc.dictionary(name, fc.string({ maxLength: 4 })), loose) }),
          fc.constant(false),
          loose,
        ),
      }),
      loose,
    ),
    sidecars: fc.oneof(
      fc.dictionary(
        name,
        fc.record({
          image: fc.oneof(fc.constant('a:1'), scalar),
          volumes: fc.oneof(fc.array(fc.constantFrom('/data', 'rel'), { maxLength: 2 }), loose),
        }),
      ),
      loose,
    ),
    initContainers: fc.oneof(
      fc.dictionary(name, fc.record({ image: fc.constant('m:1'), args: fc.array(fc.string({ maxLength: 4 }), { maxLength: 2 }) })),
      loose,
    ),
    volumes: fc.oneof(
      fc.dictionary(
        fc.constantFrom('/data', 'relative', '/etc/x'),
        fc.oneof(
          fc.record({ emptyDir: fc.record({ sizeLimit: fc.constantFrom('1Gi', '1Gb') }) }),
          fc.record({ claim: name }),
          fc.record({ secret: name }),
          loose,
        ),
      ),
      loose,
    ),
    pod: fc.oneof(fc.record({ annotations: fc.dictionary(name, fc.string({ maxLength: 4 })) }), loose),
    unknownField: loose,
  },
  { requiredKeys: [] },
);
const spec = fc.record(
  {
    apiVersion: fc.oneof(fc.constant('nimbus.dev/v1alpha1'), fc.constant('score.dev/v1b1'), scalar),
    kind: fc.oneof(fc.constant('App'), scalar),
    metadata: fc.oneof(fc.record({ name }), loose),
    spec: fc.oneof(
      fc.record(
        {
          services: fc.oneof(fc.dictionary(name, service, { maxKeys: 4 }), loose),
          resources: fc.oneof(fc.dictionary(name, fc.record({ type: fc.constantFrom('postgres', 'redis', 'unknowntype') })), loose),
          environments: fc.oneof(
            fc.dictionary(fc.constantFrom('dev', 'prod'), fc.record({ services: fc.dictionary(name, service, { maxKeys: 2 }) })),
            loose,
          ),
        },
        { requiredKeys: [] },
      ),
      loose,
    ),
  },
  { requiredKeys: [] },
);

/** A rejection is a NimbusError whose every problem has a message and points at a field or a line. */
function expectLocated(err: unknown): void {
  if (!isNimbusError(err)) throw err;
  const diagnostics = err.diagnostics.length ? err.diagnostics : [{ ...err.location, code: err.code, message: err.message }];
  for (const d of diagnostics) {
    expect(d.message.length).toBeGreaterThan(0);
    expect(d.path !== undefined || d.line !== undefined || d.code === 'NIMBUS_ENV_UNKNOWN').toBe(true);
  }
}

/** Score workloads near the valid shape: several containers, files, volumes, probes and every resource type. */
const scoreContainer = fc.record(
  {
    image: fc.oneof(fc.constant('web:1.0.0'), fc.constant('.'), scalar),
    variables: fc.oneof(
      fc.dictionary(
        fc.constantFrom('A', 'DB', 'PEER'),
        fc.constantFrom('x', '${resources.db.url}', '${resources.peer.name}', '${metadata.name}', '${resources.nope.host}'),
      ),
      loose,
    ),
    files: fc.oneof(
      fc.dictionary(
        fc.constantFrom('/etc/a', 'rel'),
        fc.oneof(
          fc.record({ content: fc.string({ maxLength: 6 }) }),
          fc.record({ binaryContent: fc.constantFrom('aGk=', '/w==', '!!') }),
          fc.record({ source: fc.constant('missing.txt') }),
          loose,
        ),
      ),
      fc.array(fc.record({ target: fc.constantFrom('/etc/b', 1), content: fc.string({ maxLength: 4 }) }), { maxLength: 2 }),
      loose,
    ),
    volumes: fc.oneof(
      fc.dictionary(fc.constantFrom('/data', '/cache'), fc.record({ source: fc.constantFrom('${resources.vol}', '${resources.db}', 'x') })),
      loose,
    ),
    livenessProbe: fc.oneof(
      fc.record({ httpGet: fc.record({ path: fc.constant('/h'), port: fc.oneof(fc.integer({ min: 0, max: 70000 }), name) }) }),
      fc.record({ exec: fc.record({ command: fc.array(fc.string({ maxLength: 3 }), { maxLength: 2 }) }) }),
      loose,
    ),
  },
  { requiredKeys: [] },
);
const scoreWorkload = fc.record(
  {
    apiVersion: fc.constant('score.dev/v1b1'),
    metadata: fc.oneof(
      fc.record({ name: fc.constantFrom('web', 'peer') }),
      fc.record({ name: fc.constant('web'), annotations: fc.dictionary(name, scalar) }),
      loose,
    ),
    containers: fc.oneof(fc.dictionary(fc.constantFrom('web', 'side', 'x'), scoreContainer, { maxKeys: 3 }), loose),
    service: fc.oneof(
      fc.record({
        ports: fc.dictionary(
          fc.constantFrom('http', 'grpc', 'x'),
          fc.record({ port: fc.integer({ min: -1, max: 70000 }), protocol: fc.constantFrom('TCP', 'UDP', 'X') }),
        ),
      }),
      loose,
    ),
    resources: fc.oneof(
      fc.dictionary(
        fc.constantFrom('db', 'peer', 'vol', 'dns', 'route', 'odd'),
        fc.record({
          type: fc.constantFrom('postgres', 'service', 'volume', 'dns', 'route', 'redis', 's3', 'amqp', 'weird-type'),
          params: fc.oneof(fc.record({ host: fc.constantFrom('${resources.dns.host}', 'a.example.com') }), loose),
        }),
      ),
      loose,
    ),
  },
  { requiredKeys: ['apiVersion'] },
);

describe('spec loader under generated input', () => {
  it('converts or refuses generated Score workloads, every problem located, and renders what it accepts', () => {
    fc.assert(
      fc.property(fc.array(scoreWorkload, { minLength: 1, maxLength: 2 }), (docs) => {
        try {
          const { spec } = loadApp(
            docs.map((d, i) => ({ file: `score-${i}.yaml`, text: stringify(d) })),
            { appName: 'fuzz' },
          );
          renderApp(spec);
        } catch (err) {
          expectLocated(err);
        }
      }),
      { numRuns: 3000 },
    );
  });

  it('never crashes and always points every problem at a field or a line', () => {
    let rejected = 0;
    fc.assert(
      fc.property(spec, fc.constantFrom(undefined, 'dev', 'prod'), (doc, environment) => {
        const text = stringify(doc);
        try {
          renderApp(loadApp([{ file: 'fuzz.yaml', text }], { environment }).spec);
        } catch (err) {
          rejected++;
          expectLocated(err);
        }
      }),
      { numRuns: 10_000 },
    );
    expect(rejected).toBeGreaterThan(1000);
  });

  it('never crashes on arbitrary text', () => {
    fc.assert(
      fc.property(fc.string({ maxLength: 200 }), (text) => {
        try {
          loadApp([{ file: 'noise.yaml', text }]);
        } catch (err) {
          expect(isNimbusError(err)).toBe(true);
        }
      }),
      { numRuns: 2000 },
    );
  });
});
