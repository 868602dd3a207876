import { isNimbusError, loadApp } from '@nimbus/model';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { stringify } from 'yaml';

/** Specs near the valid shape, with wrong types, unknown keys and broken references mixed in. */
const name = fc.oneof(fc.constantFrom('web', 'api', 'db', 'cache', 'worker'), fc.string({ maxLength: 8 }));
const scalar = fc.oneof(fc.string({ maxLength: 12 }), fc.integer({ min: -5, max: 70000 }), fc.boolean(), fc.constant(null));
const loose = fc.oneof(scalar, fc.dictionary(name, scalar, { maxKeys: 3 }), fc.array(scalar, { maxLength: 3 }));
const port = fc.record(
  { port: fc.oneof(fc.integer({ min: 0, max: 70000 }), fc.string({ maxLength: 4 })), name: fc.option(name, { nil: undefined }) },
  { requiredKeys: ['port'] },
);
const service = fc.record(
  {
    image: fc.oneof(fc.constant('ghcr.io/x/y:1.0.0'), scalar),
    ports: fc.oneof(fc.array(port, { maxLength: 3 }), loose),
    replicas: fc.oneof(fc.integer({ min: -1, max: 5 }), loose),
    autoscaling: fc.oneof(fc.record({ min: fc.integer({ min: 0, max: 5 }), max: fc.integer({ min: 0, max: 9 }) }), loose),
    dependsOn: fc.oneof(fc.array(name, { maxLength: 3 }), loose),
    env: fc.oneof(fc.dictionary(fc.constantFrom('A', 'B_1', 'bad-key'), fc.oneof(scalar, fc.constant('${resources.db.host}'))), loose),
    expose: fc.oneof(fc.record({ host: fc.constantFrom('a.example.com', 'NOT A HOST') }), loose),
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

describe('spec loader under generated input', () => {
  it('never crashes and always points every problem at a field or a line', () => {
    let rejected = 0;
    fc.assert(
      fc.property(spec, fc.constantFrom(undefined, 'dev', 'prod'), (doc, environment) => {
        const text = stringify(doc);
        try {
          loadApp([{ file: 'fuzz.yaml', text }], { environment });
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
